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

// Porchlight's order: forward first, then INSERT in the same turn (the
// frame is enqueued before the write, so the output gate does not hold
// it; whether the commit still delays it is what this floor measures).
export class ForwardFirstRelay extends StoringRelay {
  webSocketMessage(ws, message) {
    Relay.prototype.webSocketMessage.call(this, ws, message);
    this.ctx.storage.sql.exec("INSERT INTO log (text) VALUES (?)", message);
  }
}

// Forward at once, store in a later task: the frames that arrive before
// it runs are INSERTed together (one implicit transaction, one commit).
// What moving the commit out of the forward's turn, and coalescing it,
// would buy (an ack would be sent after the batch).
export class DeferredStoreRelay extends StoringRelay {
  constructor(ctx) {
    super(ctx);
    this.queued = [];
  }
  webSocketMessage(ws, message) {
    Relay.prototype.webSocketMessage.call(this, ws, message);
    this.queued.push(message);
    if (this.queued.length === 1) {
      setTimeout(() => {
        for (const m of this.queued) this.ctx.storage.sql.exec("INSERT INTO log (text) VALUES (?)", m);
        this.queued = [];
      }, 0);
    }
  }
}

export default {
  fetch(request, env) {
    // /room/<name>: one object per room; /store/<name>: a storing one;
    // /fwd/<name>: one that forwards, then stores; /later/<name>: one
    // that forwards, then stores in a later task.
    const room = new URL(request.url).pathname;
    if (room === "/healthz") return new Response("ok");
    const ns = room.startsWith("/store/")
      ? env.STORING_RELAY
      : room.startsWith("/fwd/")
        ? env.FORWARD_FIRST_RELAY
        : room.startsWith("/later/")
          ? env.DEFERRED_STORE_RELAY
          : env.RELAY;
    return ns.get(ns.idFromName(room)).fetch(request);
  },
};
