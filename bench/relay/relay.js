// The floor for `cargo xtask bench`: a bare relay Durable Object. Every
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

export default {
  fetch(request, env) {
    // /room/<name>: one object per room.
    const room = new URL(request.url).pathname;
    if (room === "/healthz") return new Response("ok");
    return env.RELAY.get(env.RELAY.idFromName(room)).fetch(request);
  },
};
