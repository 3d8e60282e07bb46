import { describe, expect, it } from "vitest";
import { coalesced } from "./coalesce";

/** A piece of work whose runs end when the test says. */
function gate() {
  const ends: (() => void)[] = [];
  let runs = 0;
  const work = () => {
    runs += 1;
    return new Promise<void>((done) => ends.push(done));
  };
  return { work, runs: () => runs, end: () => ends.shift()?.() };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("coalesced", () => {
  it("queues a request made during a run instead of dropping it", async () => {
    const g = gate();
    const run = coalesced(g.work);
    const first = run();
    const second = run();
    expect(g.runs()).toBe(1);
    g.end();
    await first;
    await tick();
    expect(g.runs()).toBe(2);
    g.end();
    await second;
  });

  it("runs once more for any number of requests during a run", async () => {
    const g = gate();
    const run = coalesced(g.work);
    void run();
    const waits = Array.from({ length: 10 }, () => run());
    g.end();
    await tick();
    expect(g.runs()).toBe(2);
    g.end();
    await Promise.all(waits);
    expect(g.runs()).toBe(2);
  });

  it("starts afresh once idle", async () => {
    const g = gate();
    const run = coalesced(g.work);
    const first = run();
    g.end();
    await first;
    const again = run();
    expect(g.runs()).toBe(2);
    g.end();
    await again;
  });

  it("still runs the follow-up when a run fails", async () => {
    let runs = 0;
    const run = coalesced(async () => {
      runs += 1;
      if (runs === 1) throw new Error("first fails");
    });
    const first = run();
    const second = run();
    await expect(first).rejects.toThrow("first fails");
    await second;
    expect(runs).toBe(2);
  });
});
