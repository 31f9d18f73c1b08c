#!/usr/bin/env node
// npm run bench [-- <scenario>]: runs the TypeScript benchmark scenarios through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../bench/run.ts");
