import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CdclSolver } from "../../src/solver/sat/cdcl.js";

function satisfies(model: Int8Array, clauses: number[][]): boolean {
  return clauses.every((c) => c.some((l) => (l > 0 ? model[l] === 1 : model[-l] === -1)));
}

function bruteForce(n: number, clauses: number[][], amos: number[][] = []): boolean {
  for (let m = 0; m < 1 << n; m++) {
    const model = new Int8Array(n + 1);
    for (let v = 1; v <= n; v++) model[v] = m & (1 << (v - 1)) ? 1 : -1;
    const amoOk = amos.every(
      (a) => [...new Set(a)].filter((l) => (l > 0 ? model[l] === 1 : model[-l] === -1)).length <= 1,
    );
    if (amoOk && satisfies(model, clauses)) return true;
  }
  return false;
}

function build(n: number, clauses: number[][], amos: number[][] = []): CdclSolver {
  const s = new CdclSolver();
  s.newVars(n);
  for (const [i, c] of clauses.entries()) s.addClause(c, i);
  for (const [i, a] of amos.entries()) s.addAtMostOne(a, 1000 + i);
  return s;
}

describe("CdclSolver on small CNFs", () => {
  it("solves a satisfiable formula and returns a model of it", () => {
    const cnf = [
      [1, 2],
      [-1, 3],
      [-3, -2],
      [2, 3],
    ];
    const s = build(3, cnf);
    assert.equal(s.solve(), "sat");
    assert.ok(satisfies(s.model(), cnf));
  });

  it("finds the empty clause and pigeonhole 3→2 unsatisfiable", () => {
    assert.equal(build(1, [[1], [-1]]).solve(), "unsat");
    // pigeon p in hole h: var 2*(p-1)+h
    const v = (p: number, h: number) => 2 * (p - 1) + h;
    const cnf: number[][] = [];
    for (let p = 1; p <= 3; p++) cnf.push([v(p, 1), v(p, 2)]);
    for (let h = 1; h <= 2; h++)
      for (let a = 1; a <= 3; a++) for (let b = a + 1; b <= 3; b++) cnf.push([-v(a, h), -v(b, h)]);
    const s = build(6, cnf);
    assert.equal(s.solve(), "unsat");
    const core = s.unsatCore();
    assert.ok(core.clauseOrigins.length >= 3, "a refutation of PHP needs several clauses");
    // the core alone is unsatisfiable
    assert.equal(
      bruteForce(
        6,
        core.clauseOrigins.map((i) => cnf[i]),
      ),
      false,
    );
  });

  it("pigeonhole via native at-most-one constraints, with the AMOs in the core", () => {
    const v = (p: number, h: number) => 3 * (p - 1) + h;
    const s = new CdclSolver();
    s.newVars(12);
    for (let p = 1; p <= 4; p++) s.addClause([v(p, 1), v(p, 2), v(p, 3)], p);
    for (let h = 1; h <= 3; h++) s.addAtMostOne([v(1, h), v(2, h), v(3, h), v(4, h)], 100 + h);
    assert.equal(s.solve(), "unsat");
    const core = s.unsatCore();
    assert.deepEqual([...core.amoOrigins].sort(), [101, 102, 103]);
    assert.deepEqual([...core.clauseOrigins].sort(), [1, 2, 3, 4]);
  });

  it("follows the caller's decision order", () => {
    // exactly one of 1..4; the caller prefers 3
    const s: CdclSolver = new CdclSolver({ decide: () => (s.value(3) === 0 ? 3 : 0) });
    s.newVars(4);
    s.addClause([1, 2, 3, 4]);
    s.addAtMostOne([1, 2, 3, 4]);
    assert.equal(s.solve(), "sat");
    assert.deepEqual(Array.from(s.model()).slice(1), [-1, -1, 1, -1]);
  });

  it("adds clauses lazily when a variable first becomes true", () => {
    // 1 requires one of {2,3}; 2 requires 4; 4 conflicts with 1. The caller prefers 2, learns it
    // cannot work, and ends with 3.
    const fired: number[] = [];
    const s: CdclSolver = new CdclSolver({
      onTrue(v) {
        fired.push(v);
        if (v === 1) {
          s.addClause([-1, 2, 3]);
          s.addAtMostOne([2, 3]);
          s.watchTrue(2);
          s.watchTrue(3);
        }
        if (v === 2) {
          s.addClause([-2, 4]);
          s.watchTrue(4);
        }
        if (v === 4) s.addClause([-4, -1]);
      },
      decide() {
        for (const l of [1, 2, 3]) if (s.value(l) === 0) return l;
        return 0;
      },
    });
    s.newVars(4);
    s.addClause([1]);
    s.watchTrue(1);
    assert.equal(s.solve(), "sat");
    assert.deepEqual(Array.from(s.model()).slice(1), [1, -1, 1, -1]);
    assert.deepEqual(fired, [1, 2, 4, 3]);
  });

  it("solves under assumptions and reports the failed ones", () => {
    const s = build(3, [
      [-1, 2],
      [-2, 3],
    ]);
    assert.equal(s.solve({ assumptions: [1, -3] }), "unsat");
    assert.deepEqual(new Set(s.unsatCore().failedAssumptions), new Set([1, -3]));
    assert.equal(s.solve({ assumptions: [1] }), "sat");
    assert.equal(s.value(3), 1);
    assert.equal(s.solve({ assumptions: [-3] }), "sat");
    assert.equal(s.value(1), -1);
  });

  it("stops at the conflict budget and on an aborted signal", () => {
    const n = 9;
    const v = (p: number, h: number) => (n - 1) * (p - 1) + h;
    const s = new CdclSolver();
    s.newVars(n * (n - 1));
    for (let p = 1; p <= n; p++) s.addClause(Array.from({ length: n - 1 }, (_, h) => v(p, h + 1)));
    for (let h = 1; h < n; h++)
      for (let a = 1; a <= n; a++) for (let b = a + 1; b <= n; b++) s.addClause([-v(a, h), -v(b, h)]);
    assert.equal(s.solve({ conflictBudget: 50 }), "unknown");
    const ac = new AbortController();
    ac.abort();
    assert.equal(s.solve({ signal: ac.signal }), "aborted");
  });
});

describe("CdclSolver agrees with brute force on random formulas", () => {
  const lit = (n: number) =>
    fc.tuple(fc.integer({ min: 1, max: n }), fc.boolean()).map(([v, neg]) => (neg ? -v : v));
  const formula = fc.integer({ min: 1, max: 11 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      clauses: fc.array(fc.array(lit(n), { minLength: 1, maxLength: 3 }), { maxLength: 50 }),
      amos: fc.array(fc.array(lit(n), { minLength: 2, maxLength: 4 }), { maxLength: 3 }),
      order: fc.array(lit(n), { maxLength: 9 }),
    }),
  );

  it("sat/unsat matches; models satisfy; cores are unsatisfiable", () => {
    fc.assert(
      fc.property(formula, ({ n, clauses, amos, order }) => {
        const s: CdclSolver = new CdclSolver({
          decide: () => order.find((l) => s.value(l) === 0) ?? 0,
        });
        s.newVars(n);
        for (const [i, c] of clauses.entries()) s.addClause(c, i);
        for (const [i, a] of amos.entries()) s.addAtMostOne(a, i);
        const r = s.solve();
        const expected = bruteForce(n, clauses, amos);
        assert.equal(r, expected ? "sat" : "unsat");
        if (r === "sat") {
          const m = s.model();
          assert.ok(satisfies(m, clauses));
          for (const a of amos)
            assert.ok([...new Set(a)].filter((l) => (l > 0 ? m[l] === 1 : m[-l] === -1)).length <= 1);
        } else {
          const core = s.unsatCore();
          assert.equal(
            bruteForce(
              n,
              core.clauseOrigins.map((i) => clauses[i]),
              core.amoOrigins.map((i) => amos[i]),
            ),
            false,
          );
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("lazily revealed clauses give the same answer as eager ones", () => {
    fc.assert(
      fc.property(formula, ({ n, clauses, order }) => {
        // each clause is revealed only when the variable of its first literal first becomes true
        // (or up front when that literal is negative, since the variable may never become true)
        const byVar = new Map<number, number[][]>();
        const s: CdclSolver = new CdclSolver({
          onTrue(v) {
            for (const c of byVar.get(v) ?? []) s.addClause(c);
          },
          decide: () => order.find((l) => s.value(l) === 0) ?? 0,
        });
        s.newVars(n);
        for (const c of clauses) {
          const v = Math.abs(c[0]);
          if (c.every((l) => l < 0) && c.some((l) => l === -v)) {
            const list = byVar.get(v) ?? [];
            list.push(c);
            byVar.set(v, list);
            s.watchTrue(v);
          } else s.addClause(c);
        }
        const r = s.solve();
        assert.equal(r, bruteForce(n, clauses) ? "sat" : "unsat");
        if (r === "sat") assert.ok(satisfies(s.model(), clauses));
      }),
      { numRuns: 1500 },
    );
  });
});

describe("CdclSolver on random 3-SAT near the phase transition", () => {
  it("matches brute force with learning and backjumping exercised", () => {
    let seed = 12345;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return (seed >>> 8) % k;
    };
    let conflicts = 0;
    let unsat = 0;
    for (let t = 0; t < 300; t++) {
      const n = 12;
      const clauses: number[][] = [];
      for (let i = 0; i < 52; i++) clauses.push([0, 0, 0].map(() => (rnd(n) + 1) * (rnd(2) ? 1 : -1)));
      const s = build(n, clauses);
      const r = s.solve();
      conflicts += s.stats.conflicts;
      const expected = bruteForce(n, clauses);
      assert.equal(r, expected ? "sat" : "unsat");
      if (r === "sat") assert.ok(satisfies(s.model(), clauses));
      else {
        unsat++;
        assert.equal(
          bruteForce(
            n,
            s.unsatCore().clauseOrigins.map((i) => clauses[i]),
          ),
          false,
        );
      }
    }
    assert.ok(conflicts > 300, `search should hit conflicts (${conflicts})`);
    assert.ok(unsat > 20 && unsat < 280, `mix of sat and unsat (${unsat} unsat)`);
  });
});

describe("CdclSolver.solveAsync", () => {
  it("yields to the event loop so a timer can abort a long search", async () => {
    const n = 11;
    const v = (p: number, h: number) => (n - 1) * (p - 1) + h;
    const s = new CdclSolver();
    s.newVars(n * (n - 1));
    for (let p = 1; p <= n; p++) s.addClause(Array.from({ length: n - 1 }, (_, h) => v(p, h + 1)));
    for (let h = 1; h < n; h++)
      for (let a = 1; a <= n; a++) for (let b = a + 1; b <= n; b++) s.addClause([-v(a, h), -v(b, h)]);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 30);
    const progress: number[] = [];
    const r = await s.solveAsync({
      signal: ac.signal,
      sliceMs: 5,
      progressIntervalMs: 1,
      onProgress: (st) => progress.push(st.conflicts),
    });
    clearTimeout(timer);
    assert.equal(r, "aborted");
    assert.ok(progress.length > 0, "progress was reported");
  });

  it("gives the same answers as solve()", async () => {
    const cnf = [
      [1, 2],
      [-1, 3],
      [-3, -2],
      [2, 3],
    ];
    const a = build(3, cnf);
    assert.equal(await a.solveAsync(), "sat");
    assert.ok(satisfies(a.model(), cnf));
    assert.equal(await build(1, [[1], [-1]]).solveAsync(), "unsat");
  });
});
