// The strict-CSP demo page's only script of its own (an inline one would be
// refused by its policy). It counts Content-Security-Policy violations, so
// anyone can see the widget cause none, and attaches the same context as
// the main demo page.
window.cspViolations = [];
document.addEventListener(
  "securitypolicyviolation",
  (e) => {
    window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
    const out = document.getElementById("csp-count");
    if (out) out.textContent = String(window.cspViolations.length);
  },
  true,
);
window.Porchlight = { context: { orderRef: "CK-1042", attributes: { "Loyalty points": 120, Plan: "Monthly beans" } } };
