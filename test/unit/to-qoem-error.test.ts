// Every error that reaches a worker becomes a coded error with a retryable flag.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UnrecoverableError } from "bullmq";
import { QoemError, toQoemError, transient } from "../../adapters/port.ts";

describe("toQoemError", () => {
  it("keeps coded errors, and codes everything else", () => {
    const coded = transient("Qlik answered 503");
    expect(toQoemError(coded)).toBe(coded);
    const zod = z.object({ id: z.string() }).safeParse({ id: 1 });
    expect(zod.success).toBe(false);
    const parsed = toQoemError(zod.error);
    expect(parsed).toMatchObject({ code: "internal", retryable: false });
    expect(parsed.message).toMatch(/an answer qoem could not read \(id: /);
    expect(toQoemError(new UnrecoverableError("no such site"))).toMatchObject({ code: "permanent", retryable: false, message: "no such site" });
    expect(toQoemError(new TypeError("x is undefined"))).toMatchObject({ code: "internal", retryable: false, message: "internal error: x is undefined" });
    expect(toQoemError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toMatchObject({ code: "transient", retryable: true });
    expect(toQoemError(new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) }))).toMatchObject({ code: "transient", retryable: true });
    const crossed = Object.assign(new Error("rate"), { name: "QoemError", code: "conflict" });
    expect(toQoemError(crossed)).toBeInstanceOf(QoemError);
    expect(toQoemError(crossed).code).toBe("conflict");
    expect(toQoemError("a string")).toMatchObject({ code: "internal" });
  });
});
