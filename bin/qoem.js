#!/usr/bin/env node
// The qoem executable: the compiled code (dist/, `npm run build`) in production, else the TypeScript sources through tsx.
import "./tune-v8.js";
import { existsSync } from "node:fs";

const compiled = new URL("../dist/src/cli.js", import.meta.url);
// Production (NODE_ENV=production, or an install without dev dependencies, which has no tsx) runs
// dist/; a developer's tree runs the sources, so a stale build never hides an edit.
const wantCompiled = process.env.NODE_ENV === "production" || !existsSync(new URL("../node_modules/tsx/package.json", import.meta.url));
if (wantCompiled) {
  if (!existsSync(compiled)) {
    process.stderr.write("qoem: no compiled code in dist/ (run `npm run build`), and tsx is not installed to run the sources\n");
    process.exit(1);
  }
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli.ts");
}
