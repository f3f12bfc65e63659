// The floors for `cargo xtask bench`: a bare relay Durable Object. Every
// socket of one room joins the same object; each text frame goes to every
// other socket of the room, unchanged. Nothing is stored, nothing checked.
export class Relay {
  constructor(ctx) {
    this.ctx = ctx;
  }
  async fetch() {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  webSocketMessage(ws, message) {
    for (const other of this.ctx.getWebSockets()) {
      if (other !== ws) other.send(message);
    }
  }
  webSocketClose(ws, code) {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
  }
}

// The storing floor: the same relay, but each text frame is first INSERTed
// into the object's SQLite (one row, one statement), so the frames it
// forwards wait in the output gate until that write is durable, as
// Porchlight's do. What a commit per message costs on this wrangler.
export class StoringRelay extends Relay {
  constructor(ctx) {
    super(ctx);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, text TEXT NOT NULL)");
  }
  webSocketMessage(ws, message) {
    this.ctx.storage.sql.exec("INSERT INTO log (text) VALUES (?)", message);
    super.webSocketMessage(ws, message);
  }
}

export default {
  fetch(request, env) {
    // /room/<name>: one object per room; /store/<name>: a storing one.
    const room = new URL(request.url).pathname;
    if (room === "/healthz") return new Response("ok");
    const ns = room.startsWith("/store/") ? env.STORING_RELAY : env.RELAY;
    return ns.get(ns.idFromName(room)).fetch(request);
  },
};
