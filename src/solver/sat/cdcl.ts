import { toExternal, toInternal } from "./literals.js";

/** Outcome of {@link CdclSolver.solve}. `unknown` = the conflict budget or time limit ran out. */
export type SatResult = "sat" | "unsat" | "unknown" | "aborted";

export interface SatStats {
  vars: number;
  clauses: number;
  learnts: number;
  decisions: number;
  propagations: number;
  conflicts: number;
  ms: number;
}

/**
 * Caller hooks. They make the core usable for lazy encodings (resolvo-style): variables and
 * clauses for a conda package name are created only when the search reaches it.
 */
export interface SatHooks {
  /**
   * Called once per variable marked with {@link CdclSolver.watchTrue}, the first time it becomes
   * true (decided or propagated). The hook may add variables, clauses and at-most-one constraints;
   * clauses it adds are permanent, so it is not called again after backtracking.
   */
  onTrue?(v: number): void;
  /**
   * Chooses the next decision: a DIMACS literal over an unassigned variable, or 0 to let the core
   * finish by setting the remaining unassigned variables false (lowest index first).
   */
  decide?(): number;
}

export interface SatSolveOptions {
  /** Literals assumed true for this call only (incremental solving). */
  assumptions?: number[];
  /** Give up with `unknown` after this many conflicts (counted for this call). */
  conflictBudget?: number;
  /** Give up with `unknown` after this many milliseconds. */
  timeoutMs?: number;
  /** Checked every few hundred steps; `aborted` when set. */
  signal?: AbortSignal;
  /** Called at most every `progressIntervalMs` (default 500) during long searches. */
  onProgress?: (stats: SatStats) => void;
  progressIntervalMs?: number;
}

/** A set of original constraints whose conjunction is unsatisfiable (with the failed assumptions). */
export interface UnsatCore {
  /** `origin` tags of the original clauses used by the refutation. */
  clauseOrigins: number[];
  /** `origin` tags of the at-most-one constraints used. */
  amoOrigins: number[];
  /** Assumptions (DIMACS) the refutation depends on. */
  failedAssumptions: number[];
}

// Clause arena layout at reference c: [length, origin, lit0, lit1, ...]. origin ≥ 0 is the
// caller's tag (kept so an UNSAT core maps back to "requires"/"conflicts"/"constrains"),
// LEARNT marks learnt clauses, whose antecedents live in `learntWhy` for proof tracing.
const HEADER = 2;
const LEARNT = -1;
const NO_ORIGIN = -2;
// reason[v]: NO_REASON for decisions; ≥ 0 a clause reference; ≤ AMO_BASE an at-most-one
// constraint (id = AMO_BASE - reason) that forced v false because `amoOther[v]` became true.
const NO_REASON = -1;
const AMO_BASE = -2;

/** Antecedent codes in `learntWhy`: ≥ 0 a clause ref, < 0 the at-most-one constraint -(id+1). */
type Antecedents = Int32Array;

/**
 * A conflict-driven clause-learning SAT solver: two watched literals, 1-UIP learning with
 * non-chronological backjumping, native at-most-one constraints (one watch list entry per
 * literal instead of k² binary clauses, which matters for names with thousands of builds), a
 * decision order supplied by the caller, lazy clause generation, assumptions, conflict/time
 * budgets, cancellation and UNSAT-core extraction. It knows nothing about conda.
 */
export class CdclSolver {
  private nVars = 0;
  private cap = 0;
  private litVal = new Int8Array(0); // per internal literal: 1 true, -1 false, 0 unassigned
  private level = new Int32Array(0);
  private reason = new Int32Array(0);
  private amoOther = new Int32Array(0);
  private trail = new Int32Array(0);
  private trailLen = 0;
  private qhead = 0;
  private trailLim: number[] = [];
  private seen = new Uint8Array(0);
  private hookFlag = new Uint8Array(0);
  // Watch lists and at-most-one memberships are created on first use: most candidate variables
  // of a large channel never get one, and thousands of empty arrays per solve cost GC time.
  private watches: (number[] | undefined)[] = [];
  /** The first at-most-one constraint of each literal (id + 1, 0 for none)... */
  private amoFirst = new Int32Array(0);
  /** ...and any further ones (rare: the conda layer puts each variable in one). */
  private amoMore: (number[] | undefined)[] = [];
  private amos: Int32Array[] = [];
  private amoOrigin: number[] = [];

  private ca = new Int32Array(1 << 12);
  private caLen = 0;
  private nClauses = 0;
  private nLearnts = 0;
  private learntWhy = new Map<number, Antecedents>();

  private ok = true;
  private inSearch = false;
  private pendingHooks: number[] = [];
  private posProps = 0;
  private nextFree = 1;
  private finalConflict: { clause: number; amo: number; a: number; b: number } | undefined;
  private failedAssumption = 0;
  private assumptions: number[] = [];

  // conflict from propagate(): clause ref, or the AMO id with the two true literals
  private conflAmo = -1;
  private conflA = 0;
  private conflB = 0;

  readonly stats: SatStats = {
    vars: 0,
    clauses: 0,
    learnts: 0,
    decisions: 0,
    propagations: 0,
    conflicts: 0,
    ms: 0,
  };
  /** Keep antecedents of learnt clauses so {@link unsatCore} can trace back to original clauses. */
  proof = true;

  constructor(private readonly hooks: SatHooks = {}) {}

  get numVars(): number {
    return this.nVars;
  }

  /** Creates a variable and returns its (positive) DIMACS index. */
  newVar(): number {
    const v = ++this.nVars;
    if (v >= this.cap) this.grow(Math.max(64, v * 2));
    this.level[v] = -1;
    this.reason[v] = NO_REASON;
    this.stats.vars = v;
    return v;
  }

  /** Creates `n` variables and returns the first. */
  newVars(n: number): number {
    const first = this.nVars + 1;
    if (first + n >= this.cap) this.grow(Math.max(64, (first + n) * 2));
    for (let i = 0; i < n; i++) this.newVar();
    return first;
  }

  private grow(cap: number): void {
    const lv = new Int8Array(cap * 2);
    lv.set(this.litVal);
    this.litVal = lv;
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.level = g32(this.level);
    this.reason = g32(this.reason);
    this.amoOther = g32(this.amoOther);
    this.trail = g32(this.trail);
    const s = new Uint8Array(cap);
    s.set(this.seen);
    this.seen = s;
    const h = new Uint8Array(cap);
    h.set(this.hookFlag);
    this.hookFlag = h;
    this.watches.length = cap * 2;
    const af = new Int32Array(cap * 2);
    af.set(this.amoFirst);
    this.amoFirst = af;
    this.cap = cap;
  }

  /** Value of a DIMACS literal: 1 true, -1 false, 0 unassigned. */
  value(ext: number): number {
    return this.litVal[toInternal(ext)];
  }

  /**
   * The live assignment, indexed by `v << 1`: 1 true, -1 false, 0 unassigned. For callers' hot
   * loops (decision heuristics); re-read it after adding variables, which may reallocate it.
   */
  get assignment(): Int8Array {
    return this.litVal;
  }

  /** The decision level at which `v` was assigned (-1 if unassigned). */
  levelOf(v: number): number {
    return this.litVal[v << 1] === 0 ? -1 : this.level[v];
  }

  get decisionLevel(): number {
    return this.trailLim.length;
  }

  /** Asks for `hooks.onTrue(v)` the first time `v` becomes true. */
  watchTrue(v: number): void {
    this.hookFlag[v] = 1;
    if (this.litVal[v << 1] === 1) {
      this.hookFlag[v] = 0;
      this.pendingHooks.push(v);
    }
  }

  /** True until the clause set has been found unsatisfiable without assumptions. */
  get okay(): boolean {
    return this.ok;
  }

  // ---------------------------------------------------------------- clause database

  private allocClause(lits: ArrayLike<number>, n: number, origin: number): number {
    const need = this.caLen + HEADER + n;
    if (need > this.ca.length) {
      const b = new Int32Array(Math.max(need, this.ca.length * 2));
      b.set(this.ca.subarray(0, this.caLen));
      this.ca = b;
    }
    const c = this.caLen;
    this.ca[c] = n;
    this.ca[c + 1] = origin;
    for (let i = 0; i < n; i++) this.ca[c + HEADER + i] = lits[i];
    this.caLen = need;
    if (origin === LEARNT) this.stats.learnts = ++this.nLearnts;
    else this.stats.clauses = ++this.nClauses;
    return c;
  }

  /**
   * Adds a clause (DIMACS literals). `origin` is a caller tag returned by {@link unsatCore}.
   * May be called from inside `hooks.onTrue` during search: the clause is then queued and brought
   * into the current assignment before the next decision (propagated, or analysed as a conflict,
   * backjumping first if it would have propagated at an earlier level). Returns false once the
   * problem is known unsatisfiable.
   */
  addClause(ext: ArrayLike<number>, origin = NO_ORIGIN): boolean {
    if (!this.ok) return false;
    const lits: number[] = [];
    // duplicates and tautologies via per-variable marks (bit 0: positive seen, bit 1: negative)
    const marks = this.seen;
    let tautology = false;
    for (let i = 0; i < ext.length; i++) {
      const e = ext[i];
      const v = e > 0 ? e : -e;
      if (v === 0 || v > this.nVars) {
        for (const l of lits) marks[l >> 1] = 0;
        throw new RangeError(`literal ${e} names no variable`);
      }
      const l = toInternal(e);
      const bit = 1 << (l & 1);
      const m = marks[v];
      if (m & bit) continue;
      if (m & (bit ^ 3)) tautology = true;
      marks[v] = m | bit;
      lits.push(l);
    }
    for (const l of lits) marks[l >> 1] = 0;
    if (tautology) return true;
    const c = this.allocClause(lits, lits.length, origin);
    if (this.inSearch) {
      this.queued.push(c);
      return true;
    }
    this.cancelUntil(0);
    const confl = this.integrate(c);
    if (confl >= 0) return this.setUnsat(confl);
    return this.ok;
  }

  private queued: number[] = [];

  private rank(l: number): number {
    const val = this.litVal[l];
    if (val === 1) return -1e9 + this.level[l >> 1];
    if (val === 0) return 0;
    return 1e9 - this.level[l >> 1];
  }

  /**
   * Attaches a stored clause to the current assignment. Returns a clause ref in conflict at the
   * (possibly lowered) current level, or -1. Sets `ok = false` on a level-0 contradiction.
   */
  private integrate(c: number): number {
    const n = this.ca[c];
    const base = c + HEADER;
    const ca = this.ca;
    // Bring the two best watches to positions 0 and 1: true literals first (lowest level), then
    // unassigned, then false by decreasing level, so they are right whatever the assignment.
    for (let w = 0; w < 2 && w < n; w++) {
      let bi = w;
      let br = this.rank(ca[base + w]);
      for (let i = w + 1; i < n; i++) {
        const r = this.rank(ca[base + i]);
        if (r < br) {
          br = r;
          bi = i;
        }
      }
      const t = ca[base + w];
      ca[base + w] = ca[base + bi];
      ca[base + bi] = t;
    }
    const lits = [ca[base], ca[base + 1]];
    if (n === 0) {
      this.setUnsat(c);
      return -1;
    }
    const l0 = lits[0];
    const v0 = this.litVal[l0];
    if (v0 === 1 && this.level[l0 >> 1] === 0) return -1; // satisfied forever: kept for cores, not watched
    if (n === 1) {
      this.cancelUntil(0);
      if (this.litVal[l0] === -1) this.setUnsat(c);
      else if (this.litVal[l0] === 0) this.enqueue(l0, c);
      return -1;
    }
    const l1 = lits[1];
    this.watch(l0, c);
    this.watch(l1, c);
    const v1 = this.litVal[l1];
    if (v0 === 1) {
      if (v1 === -1 && this.level[l1 >> 1] < this.level[l0 >> 1]) {
        // it would have propagated l0 at a lower level: redo that there
        this.cancelUntil(this.level[l1 >> 1]);
        this.enqueue(l0, c);
      }
      return -1;
    }
    if (v0 === 0) {
      if (v1 === -1) {
        this.cancelUntil(this.level[l1 >> 1]);
        this.enqueue(l0, c);
      }
      return -1;
    }
    const top = this.level[l0 >> 1];
    if (top === 0) {
      this.setUnsat(c);
      return -1;
    }
    this.cancelUntil(top);
    return c;
  }

  private setUnsat(c: number): boolean {
    this.ok = false;
    this.finalConflict = { clause: c, amo: -1, a: 0, b: 0 };
    return false;
  }

  /**
   * At most one of `ext` is true. Propagates natively: when one literal becomes true, the others
   * become false with the constraint as reason.
   */
  addAtMostOne(ext: ArrayLike<number>, origin = NO_ORIGIN): boolean {
    if (!this.ok) return false;
    if (!this.inSearch) this.cancelUntil(0);
    // a set: duplicates count once
    const lits = new Int32Array(ext.length);
    let n = 0;
    for (let i = 0; i < ext.length; i++) {
      const l = toInternal(ext[i]);
      if (this.seen[l >> 1] & (1 << (l & 1))) continue;
      this.seen[l >> 1] |= 1 << (l & 1);
      lits[n++] = l;
    }
    for (let i = 0; i < n; i++) this.seen[lits[i] >> 1] = 0;
    if (n < lits.length) return this.addAtMostOne(Array.from(lits.subarray(0, n), toExternal), origin);
    if (lits.length < 2) return true;
    // Bring every literal back to unassigned unless fixed at level 0, so the constraint starts
    // with a consistent state (clauses added mid-search rarely hit this; AMOs are added when a
    // name is first loaded, before any of its variables is assigned).
    let minLevel = Number.POSITIVE_INFINITY;
    for (const l of lits) if (this.litVal[l] !== 0) minLevel = Math.min(minLevel, this.level[l >> 1]);
    if (minLevel !== Number.POSITIVE_INFINITY) this.cancelUntil(Math.max(0, minLevel - 1));
    const id = this.amos.length;
    this.amos.push(lits);
    this.amoOrigin.push(origin);
    for (const l of lits) {
      if (this.amoFirst[l] === 0) this.amoFirst[l] = id + 1;
      else {
        let list = this.amoMore[l];
        if (!list) this.amoMore[l] = list = [];
        list.push(id);
      }
    }
    let trueLit = -1;
    for (const l of lits) {
      if (this.litVal[l] !== 1) continue;
      if (trueLit >= 0) {
        this.ok = false;
        this.finalConflict = { clause: -1, amo: id, a: trueLit, b: l };
        return false;
      }
      trueLit = l;
    }
    if (trueLit >= 0) {
      for (const l of lits) {
        if (l !== trueLit && this.litVal[l] === 0) this.enqueueAmo(l ^ 1, id, trueLit);
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- assignment

  private enqueue(lit: number, reason: number): void {
    const v = lit >> 1;
    if ((lit & 1) === 0 && reason !== NO_REASON) this.posProps++;
    this.litVal[lit] = 1;
    this.litVal[lit ^ 1] = -1;
    this.level[v] = this.trailLim.length;
    this.reason[v] = reason;
    this.trail[this.trailLen++] = lit;
  }

  private enqueueAmo(lit: number, amo: number, other: number): void {
    this.enqueue(lit, AMO_BASE - amo);
    this.amoOther[lit >> 1] = other;
  }

  /** Incremented whenever assignments are undone (callers cache facts about the assignment). */
  backtracks = 0;

  private cancelUntil(lvl: number): void {
    if (this.trailLim.length <= lvl) return;
    this.backtracks++;
    const start = this.trailLim[lvl];
    for (let i = this.trailLen - 1; i >= start; i--) {
      const l = this.trail[i];
      this.litVal[l] = 0;
      this.litVal[l ^ 1] = 0;
      const v = l >> 1;
      if (v < this.nextFree) this.nextFree = v;
    }
    this.trailLen = start;
    this.qhead = start;
    this.trailLim.length = lvl;
  }

  /** Unit propagation. Returns a conflicting clause ref, -2 for an AMO conflict, -1 for none. */
  private propagate(): number {
    const ca = this.ca;
    const litVal = this.litVal;
    while (this.qhead < this.trailLen) {
      const p = this.trail[this.qhead++];
      this.stats.propagations++;
      const pv = p >> 1;
      if ((p & 1) === 0 && this.hookFlag[pv]) {
        this.hookFlag[pv] = 0;
        this.pendingHooks.push(pv);
      }
      const falseLit = p ^ 1;
      const ws = this.watches[falseLit];
      let i = 0;
      if (ws === undefined) {
        if (this.amoFirst[p] !== 0 && this.propagateAmo(p, this.amoFirst[p] - 1)) return -2;
        const more = this.amoMore[p];
        if (more) for (const id of more) if (this.propagateAmo(p, id)) return -2;
        continue;
      }
      let j = 0;
      const n = ws.length;
      let confl = -1;
      while (i < n) {
        const c = ws[i++];
        const base = c + HEADER;
        if (ca[base] === falseLit) {
          ca[base] = ca[base + 1];
          ca[base + 1] = falseLit;
        }
        const first = ca[base];
        if (litVal[first] === 1) {
          ws[j++] = c;
          continue;
        }
        const len = ca[c];
        let found = false;
        for (let k = 2; k < len; k++) {
          const l = ca[base + k];
          if (litVal[l] !== -1) {
            ca[base + 1] = l;
            ca[base + k] = falseLit;
            this.watch(l, c);
            found = true;
            break;
          }
        }
        if (found) continue;
        ws[j++] = c;
        if (litVal[first] === -1) {
          confl = c;
          while (i < n) ws[j++] = ws[i++];
        } else {
          this.enqueue(first, c);
        }
      }
      ws.length = j;
      if (confl >= 0) {
        this.qhead = this.trailLen;
        return confl;
      }
      if (this.amoFirst[p] !== 0 && this.propagateAmo(p, this.amoFirst[p] - 1)) return -2;
      const more = this.amoMore[p];
      if (more) for (const id of more) if (this.propagateAmo(p, id)) return -2;
    }
    return -1;
  }

  /** `p` became true: every other literal of at-most-one `id` becomes false. True on conflict. */
  private propagateAmo(p: number, id: number): boolean {
    const lits = this.amos[id];
    const litVal = this.litVal;
    for (let k = 0; k < lits.length; k++) {
      const q = lits[k];
      if (q === p) continue;
      const val = litVal[q];
      if (val === 1) {
        this.conflAmo = id;
        this.conflA = p;
        this.conflB = q;
        this.qhead = this.trailLen;
        return true;
      }
      if (val === 0) this.enqueueAmo(q ^ 1, id, p);
    }
    return false;
  }

  private watch(lit: number, c: number): void {
    const ws = this.watches[lit];
    if (ws === undefined) this.watches[lit] = [c];
    else ws.push(c);
  }

  // ---------------------------------------------------------------- conflict analysis

  /** Literals of the reason for `v` other than v's own literal are pushed through `visit`. */
  private forEachReasonLit(v: number, visit: (l: number) => void): void {
    const r = this.reason[v];
    if (r >= 0) {
      const len = this.ca[r];
      for (let k = 0; k < len; k++) {
        const l = this.ca[r + HEADER + k];
        if (l >> 1 !== v) visit(l);
      }
    } else if (r <= AMO_BASE) {
      visit(this.amoOther[v] ^ 1);
    }
  }

  private analyze(confl: number, why: number[] | undefined): { learnt: number[]; btLevel: number } {
    const seen = this.seen;
    const out: number[] = [0];
    const toClear: number[] = [];
    let pathC = 0;
    let p = -1;
    let idx = this.trailLen - 1;
    const cur = this.trailLim.length;
    const visit = (q: number): void => {
      const v = q >> 1;
      if (seen[v] || this.level[v] === 0) return;
      seen[v] = 1;
      toClear.push(v);
      if (this.level[v] >= cur) pathC++;
      else out.push(q);
    };
    // the conflict itself
    if (confl >= 0) {
      if (why) why.push(confl);
      const len = this.ca[confl];
      for (let k = 0; k < len; k++) visit(this.ca[confl + HEADER + k]);
    } else {
      if (why) why.push(-(this.conflAmo + 1));
      visit(this.conflA ^ 1);
      visit(this.conflB ^ 1);
    }
    for (;;) {
      while (!seen[this.trail[idx] >> 1]) idx--;
      p = this.trail[idx--];
      const v = p >> 1;
      seen[v] = 0;
      pathC--;
      if (pathC <= 0) break;
      const r = this.reason[v];
      if (why && r !== NO_REASON) why.push(r >= 0 ? r : -(AMO_BASE - r + 1));
      this.forEachReasonLit(v, visit);
    }
    out[0] = p ^ 1;
    // Local minimisation: drop a literal whose reason's other literals are all in the clause.
    let j = 1;
    for (let i = 1; i < out.length; i++) {
      const v = out[i] >> 1;
      const r = this.reason[v];
      if (r === NO_REASON) {
        out[j++] = out[i];
        continue;
      }
      let redundant = true;
      this.forEachReasonLit(v, (l) => {
        const u = l >> 1;
        if (!seen[u] && this.level[u] > 0) redundant = false;
      });
      if (redundant) {
        if (why) why.push(r >= 0 ? r : -(AMO_BASE - r + 1));
      } else out[j++] = out[i];
    }
    out.length = j;
    for (const v of toClear) seen[v] = 0;
    let btLevel = 0;
    if (out.length > 1) {
      let maxI = 1;
      for (let i = 2; i < out.length; i++) if (this.level[out[i] >> 1] > this.level[out[maxI] >> 1]) maxI = i;
      const t = out[1];
      out[1] = out[maxI];
      out[maxI] = t;
      btLevel = this.level[out[1] >> 1];
    }
    return { learnt: out, btLevel };
  }

  // ---------------------------------------------------------------- search

  /** Solves under the current clauses (and optional assumptions). */
  solve(opts: SatSolveOptions = {}): SatResult {
    const t0 = performance.now();
    try {
      if (!this.begin(opts, t0)) return "unsat";
      return this.run(opts, t0, Number.POSITIVE_INFINITY) as SatResult; // never pauses without a slice
    } finally {
      this.inSearch = false;
      this.stats.ms += performance.now() - t0;
    }
  }

  /**
   * Like {@link solve}, but yields to the event loop every `sliceMs` (default 50) so that a
   * SIGINT handler can abort `signal` (a synchronous loop would never let it run).
   */
  async solveAsync(opts: SatSolveOptions & { sliceMs?: number } = {}): Promise<SatResult> {
    const t0 = performance.now();
    const slice = opts.sliceMs ?? 50;
    try {
      if (!this.begin(opts, t0)) return "unsat";
      for (;;) {
        const t = performance.now();
        const r = this.run(opts, t0, t + slice);
        this.stats.ms += performance.now() - t;
        if (r !== "paused") return r;
        this.inSearch = false;
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.inSearch = true;
      }
    } finally {
      this.inSearch = false;
    }
  }

  // search state kept between time slices
  private sConflicts = 0;
  private sAskCaller = true;
  private sPosPropsSeen = -1;
  private sNextProgress = 0;

  private begin(opts: SatSolveOptions, t0: number): boolean {
    if (!this.ok) return false;
    this.backtracks++;
    this.failedAssumption = 0;
    this.finalConflict = undefined;
    this.cancelUntil(0);
    this.assumptions = (opts.assumptions ?? []).map(toInternal);
    this.inSearch = true;
    this.sConflicts = 0;
    this.sAskCaller = true;
    this.sPosPropsSeen = -1;
    this.sNextProgress = t0 + (opts.progressIntervalMs ?? 500);
    return true;
  }

  private run(opts: SatSolveOptions, t0: number, pauseAt: number): SatResult | "paused" {
    const budget = opts.conflictBudget ?? Number.POSITIVE_INFINITY;
    const deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.timeoutMs;
    const progressEvery = opts.progressIntervalMs ?? 500;
    let steps = 0;
    for (;;) {
      if ((++steps & 255) === 0) {
        if (opts.signal?.aborted) return "aborted";
        const now = performance.now();
        if (now > deadline) return "unknown";
        if (opts.onProgress && now >= this.sNextProgress) {
          this.sNextProgress = now + progressEvery;
          opts.onProgress({ ...this.stats, ms: now - t0 });
        }
        if (now >= pauseAt) return "paused";
      }
      let confl = this.propagate();
      if (confl === -1 && this.queued.length > 0) {
        confl = this.integrate(this.queued.shift()!);
        if (!this.ok) return "unsat";
        if (confl === -1) continue;
      } else if (confl === -1 && this.pendingHooks.length > 0) {
        const hooks = this.pendingHooks;
        this.pendingHooks = [];
        for (const v of hooks) {
          this.hooks.onTrue?.(v);
          if (!this.ok) return "unsat";
        }
        this.sAskCaller = true;
        continue;
      }
      if (confl !== -1) {
        this.stats.conflicts++;
        if (++this.sConflicts > budget) return "unknown";
        if (this.trailLim.length === 0) {
          this.ok = false;
          this.finalConflict =
            confl >= 0
              ? { clause: confl, amo: -1, a: 0, b: 0 }
              : { clause: -1, amo: this.conflAmo, a: this.conflA, b: this.conflB };
          return "unsat";
        }
        const why: number[] | undefined = this.proof ? [] : undefined;
        const { learnt, btLevel } = this.analyze(confl, why);
        this.cancelUntil(btLevel);
        const c = this.allocClause(learnt, learnt.length, LEARNT);
        if (why) this.learntWhy.set(c, Int32Array.from(why));
        if (learnt.length > 1) {
          this.watch(learnt[0], c);
          this.watch(learnt[1], c);
        }
        this.enqueue(learnt[0], c);
        this.sAskCaller = true;
        continue;
      }
      // no conflict: next decision (assumptions first)
      let next = -1;
      while (this.trailLim.length < this.assumptions.length) {
        const a = this.assumptions[this.trailLim.length];
        if (this.litVal[a] === 1) {
          this.trailLim.push(this.trailLen);
        } else if (this.litVal[a] === -1) {
          this.failedAssumption = a;
          return "unsat";
        } else {
          next = a;
          break;
        }
      }
      // Once the caller has nothing to decide, the remaining variables are set false one by one;
      // the caller is asked again only when something could have changed its answer.
      if (next === -1 && this.hooks.decide && (this.sAskCaller || this.posProps !== this.sPosPropsSeen)) {
        const e = this.hooks.decide();
        if (e !== 0) {
          next = toInternal(e);
          if (this.litVal[next] !== 0) throw new Error(`decide() returned assigned literal ${e}`);
        } else {
          this.sAskCaller = false;
          this.sPosPropsSeen = this.posProps;
        }
      }
      if (next === -1) {
        while (this.nextFree <= this.nVars && this.litVal[this.nextFree << 1] !== 0) this.nextFree++;
        if (this.nextFree > this.nVars) return "sat";
        next = (this.nextFree << 1) | 1;
      }
      this.stats.decisions++;
      this.trailLim.push(this.trailLen);
      this.enqueue(next, NO_REASON);
    }
  }

  /** After `sat`: the model as DIMACS literals for every variable (unassigned reported false). */
  model(): Int8Array {
    const m = new Int8Array(this.nVars + 1);
    for (let v = 1; v <= this.nVars; v++) m[v] = this.litVal[v << 1] === 1 ? 1 : -1;
    return m;
  }

  /**
   * After `unsat`: the original clauses and at-most-one constraints that the refutation used,
   * traced through the antecedents of learnt clauses and the reasons on the trail.
   */
  unsatCore(): UnsatCore {
    const clauseOrigins = new Set<number>();
    const amoOrigins = new Set<number>();
    const failed = new Set<number>();
    const doneClause = new Set<number>();
    const doneAmo = new Set<number>();
    const doneVar = new Uint8Array(this.nVars + 1);
    const stack: number[] = []; // antecedent codes
    const pushVar = (v: number): void => {
      if (doneVar[v] || this.litVal[v << 1] === 0) return;
      doneVar[v] = 1;
      const r = this.reason[v];
      if (r >= 0) stack.push(r);
      else if (r <= AMO_BASE) {
        stack.push(-(AMO_BASE - r + 1));
        pushVar(this.amoOther[v] >> 1);
      } else if (this.assumptions.length > 0) {
        const l = this.litVal[v << 1] === 1 ? v << 1 : (v << 1) | 1;
        if (this.assumptions.includes(l)) failed.add(toExternal(l));
      }
    };
    const fc = this.finalConflict;
    if (fc) {
      if (fc.clause >= 0) stack.push(fc.clause);
      else {
        stack.push(-(fc.amo + 1));
        pushVar(fc.a >> 1);
        pushVar(fc.b >> 1);
      }
    } else if (this.failedAssumption) {
      failed.add(toExternal(this.failedAssumption));
      pushVar(this.failedAssumption >> 1);
    }
    while (stack.length > 0) {
      const code = stack.pop()!;
      if (code < 0) {
        const id = -code - 1;
        if (doneAmo.has(id)) continue;
        doneAmo.add(id);
        if (this.amoOrigin[id] !== NO_ORIGIN) amoOrigins.add(this.amoOrigin[id]);
        continue;
      }
      if (doneClause.has(code)) continue;
      doneClause.add(code);
      const origin = this.ca[code + 1];
      if (origin === LEARNT) {
        const why = this.learntWhy.get(code);
        if (why) for (const a of why) stack.push(a);
      } else if (origin !== NO_ORIGIN) clauseOrigins.add(origin);
      const len = this.ca[code];
      for (let k = 0; k < len; k++) {
        const v = this.ca[code + HEADER + k] >> 1;
        if (this.litVal[v << 1] !== 0 && (this.level[v] === 0 || this.assumptions.length > 0)) pushVar(v);
      }
    }
    return {
      clauseOrigins: [...clauseOrigins],
      amoOrigins: [...amoOrigins],
      failedAssumptions: [...failed],
    };
  }
}
