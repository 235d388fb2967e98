// The peer: a bare Hocuspocus 3 server, as its documentation starts one, with no
// persistence except one hook for benchmark 3: a document named `history-*` is loaded from
// the Yjs state that the run wrote to STATE_DIR/history.bin (the same document Tavle stored).
//
// Usage: node hocuspocus-server.mjs PORT STATE_DIR
import { readFile } from "node:fs/promises";
import { Server } from "@hocuspocus/server";
import * as Y from "yjs";

const port = Number(process.argv[2]);
const stateDir = process.argv[3] ?? ".";

const server = new Server({
  port,
  address: "127.0.0.1",
  quiet: true,
  async onLoadDocument({ documentName, document }) {
    if (documentName.startsWith("history-")) {
      Y.applyUpdate(document, await readFile(`${stateDir}/history.bin`));
    }
  },
});

await server.listen();
