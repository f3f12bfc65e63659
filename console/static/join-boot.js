// The join page's first script: the link's token leaves the address bar
// (history, a shared screen) before anything else runs or loads. The WASM
// reads it from this global once and deletes it.
const fragment = new URLSearchParams(location.hash.slice(1));
if (location.hash) history.replaceState(null, "", location.pathname + location.search);
globalThis.porchlightJoinToken = fragment.get("t") || "";
