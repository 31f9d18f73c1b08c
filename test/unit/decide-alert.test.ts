import { describe, expect, it } from "vitest";
import { decideAlert, isFlapping } from "../../src/core/health-history.ts";

describe("decideAlert", () => {
  it("alerts red at once, amber and the all-clear once a second sweep confirms them", () => {
    expect(decideAlert(["red"], undefined)).toEqual({ alert: "red", held: false });
    expect(decideAlert(["red", "green"], "green")).toEqual({ alert: "red", held: false });
    expect(decideAlert(["red", "red"], "red")).toEqual({ held: false });
    expect(decideAlert(["amber", "green"], "green")).toEqual({ held: false });
    expect(decideAlert(["amber", "amber", "green"], "green")).toEqual({ alert: "amber", held: false });
    expect(decideAlert(["green", "red"], "red")).toEqual({ held: false });
    expect(decideAlert(["green", "green", "red"], "red")).toEqual({ alert: "all-clear", held: false });
    expect(decideAlert(["green"], undefined)).toEqual({ held: false });
  });

  it("holds alerts back while a customer flaps", () => {
    expect(isFlapping(["red", "green", "red", "green"])).toBe(true);
    expect(isFlapping(["red", "red", "green", "green"])).toBe(false);
    expect(decideAlert(["red", "green", "red", "green"], "green")).toEqual({ held: true });
  });
});
