// The docs page in dev mode (`npm run dev`, TRAINJOBS_DEV=1) reloads itself after a rebuild: /docs
// is served with a small script that listens to /docs/_live (server-sent events) and reloads when
// the build id it hears differs from the page's own. The id is the page file's identity (inode,
// size, modification time): the docs build replaces the file in one rename, so a new id is a whole
// new page. When the spec changes the server restarts; the page's event stream reconnects by
// itself and hears the new id. Off outside dev mode: the page is served as built.
import { existsSync, readFileSync, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Express, Request, Response } from "express";

/** The build id of the page: changes whenever the file is replaced. */
export function buildIdOf(file: string): string {
  if (!existsSync(file)) return "none";
  const stat = statSync(file);
  return `${stat.ino}-${stat.size}-${Math.round(stat.mtimeMs)}`;
}

function script(id: string): string {
  // A reconnection after a server restart is EventSource's own (it retries every few seconds; the
  // server's `retry:` asks for half a second). A `status` event with text says the page is stale:
  // the last edit did not build (a banner shows the first lines of why); an empty one clears it.
  return `<script>(function(){var id=${JSON.stringify(id)};var es=new EventSource("/docs/_live");es.addEventListener("build",function(e){if(e.data!==id){es.close();location.reload();}});es.addEventListener("status",function(e){var b=document.getElementById("trainjobs-stale");var text=JSON.parse(e.data);if(!text){if(b)b.remove();return;}if(!b){b=document.createElement("pre");b.id="trainjobs-stale";b.style.cssText="position:fixed;left:0;right:0;bottom:0;margin:0;z-index:2000;padding:8px 12px;background:#b00020;color:#fff;font:12px monospace;white-space:pre-wrap;max-height:40vh;overflow:auto";document.body.appendChild(b);}b.textContent="Stale: the last edit does not build (npm run dev shows it all)\\n"+text;});})();</script>`;
}

export interface LiveDocs {
  /** Ends the open event streams (at shutdown: they never end by themselves). */
  close(): void;
  /** Why the page is stale (the dev loop's last error), or undefined when it is not. */
  setStatus(text: string | undefined): void;
}

/** Serves /docs (with the script) and /docs/_live; the caller serves the page's other files. */
export function liveDocs(app: Express, docsPath: string): LiveDocs {
  const clients = new Set<Response>();
  let status = "";
  const statusEvent = () => `event: status\ndata: ${JSON.stringify(status)}\n\n`;
  let current = buildIdOf(docsPath);
  const announce = () => {
    const id = buildIdOf(docsPath);
    if (id === current) return;
    current = id;
    for (const res of clients) res.write(`event: build\ndata: ${id}\n\n`);
  };
  // The directory, not the file: the build replaces the file, which ends a watch on it.
  const watcher = watch(dirname(docsPath), (_event, name) => {
    if (name === null || name === basename(docsPath)) announce();
  });
  watcher.unref();

  app.get(["/docs", "/docs/"], (_req: Request, res: Response) => {
    const html = readFileSync(docsPath, "utf8");
    const id = buildIdOf(docsPath);
    // The page's own end: Redoc's inlined script holds the string "</body>" too, earlier.
    const end = html.lastIndexOf("</body>");
    const page = end < 0 ? `${html}${script(id)}` : `${html.slice(0, end)}${script(id)}${html.slice(end)}`;
    res.type("html").set("Cache-Control", "no-store").send(page);
  });
  app.get("/docs/_live", (req: Request, res: Response) => {
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
    });
    res.write(`retry: 500\nevent: build\ndata: ${buildIdOf(docsPath)}\n\n${statusEvent()}`);
    clients.add(res);
    req.on("close", () => clients.delete(res));
  });
  return {
    close() {
      watcher.close();
      for (const res of clients) res.end();
      clients.clear();
    },
    setStatus(text) {
      status = text ?? "";
      for (const res of clients) res.write(statusEvent());
    },
  };
}
