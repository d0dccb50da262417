// Reads the environment, starts listening.
import { createServer } from "./app.js";

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? "127.0.0.1";
createServer().listen(port, host, () => {
  console.log(`trainjobs server listening on http://${host}:${port}`);
});
