import { describe, expect, it } from "vitest";
import { fitScale, step, zoomLabel } from "./zoom";

describe("image zoom", () => {
  it("fits wide images to the panel and never enlarges small ones", () => {
    expect(fitScale(2000, 500)).toBe(0.25);
    expect(fitScale(128, 500)).toBe(1);
    expect(fitScale(0, 500)).toBe(1);
  });

  it("steps through the levels from the scale shown", () => {
    expect(step(0.42, 1)).toBe(0.5);
    expect(step(0.42, -1)).toBe(0.25);
    expect(step(1, 1)).toBe(1.5);
    expect(step(1, -1)).toBe(0.75);
    expect(step(4, 1)).toBe(4);
    expect(step(0.25, -1)).toBe(0.25);
  });

  it("labels the zoom", () => {
    expect(zoomLabel("fit", 0.4213)).toBe("Fit (42%)");
    expect(zoomLabel(1.5, 1.5)).toBe("150%");
  });
});
