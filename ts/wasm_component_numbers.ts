// runtime:wasm/component-numbers — internal to runtime:wasm/component: the synchronous functions
// of a component's exports whose values are all plain numbers (`f.numbers`), which call
// `op_wasm_component_call_numbers` with no buffer and no encoding, and fall back to the general
// path of their instance (`callSync`) to name an argument that does not fit.

import { argumentCount, ops } from "runtime:wasm/values";
import { checkNumber, type FuncDesc, typeError, within } from "runtime:wasm/wit";

/** The component instance a numbers function belongs to (runtime:wasm/component's). */
export interface NumbersOwner {
  readonly id: number;
  /** The general synchronous call, which checks and names each argument. */
  callSync(f: FuncDesc, args: unknown[]): unknown;
}

/**
 * The `exports` function of a function of plain numbers: no buffer, no array of arguments, and no
 * checks on the common path. The op checks each argument against its type before the guest runs
 * and refuses a misfit (a non-number, a fraction or an out-of-range integer); only then are the
 * arguments checked here, and the general path names the misfit. As `instance.exports` of a
 * module (wasm_exports.ts), the function has fixed parameters and one more: QuickJS runs that
 * far faster than `arguments`, a `typeof` per argument, or a range check against a bound that is
 * not a small integer.
 */
export function numbersFunction(owner: NumbersOwner, f: FuncDesc): (...args: unknown[]) => unknown {
  const packed = owner.id * 65536 + f.i;
  // The general path's own rule for a parameter (wasm_wit.ts), asked only after a refusal.
  const fits = (i: number, x: unknown): boolean => {
    try {
      checkNumber(f.params[i][1] as string, x);
      return true;
    } catch {
      return false;
    }
  };
  const returns = f.results.length > 0;
  const call = ops.op_wasm_component_call_numbers;
  // A refused call: the general path names the misfit, or, when every argument fits, the call
  // itself failed and its error stands.
  const again = (error: unknown, xs: unknown[]): unknown => {
    if (xs.length === f.params.length && xs.every((x, i) => fits(i, x))) throw error;
    // The arguments as the caller gave them, as far as they can be told apart from missing ones.
    return owner.callSync(f, xs.slice(0, argumentCount(xs)));
  };
  switch (f.params.length) {
    case 0:
      return function (extra?: unknown) {
        if (extra !== undefined) return owner.callSync(f, [extra]);
        const out = call(packed, 0, 0, 0);
        return returns ? out : undefined;
      };
    case 1:
      return function (a?: unknown, extra?: unknown) {
        if (extra !== undefined) return owner.callSync(f, [a, extra]);
        try {
          const out = call(packed, a, 0, 0);
          return returns ? out : undefined;
        } catch (e) {
          return again(e, [a]);
        }
      };
    case 2:
      return function (a?: unknown, b?: unknown, extra?: unknown) {
        if (extra !== undefined) return owner.callSync(f, [a, b, extra]);
        try {
          const out = call(packed, a, b, 0);
          return returns ? out : undefined;
        } catch (e) {
          return again(e, [a, b]);
        }
      };
    default:
      return function (a?: unknown, b?: unknown, c?: unknown, extra?: unknown) {
        if (extra !== undefined) return owner.callSync(f, [a, b, c, extra]);
        try {
          const out = call(packed, a, b, c);
          return returns ? out : undefined;
        } catch (e) {
          return again(e, [a, b, c]);
        }
      };
  }
}

/** Argument `i` of a call of `f` as the number the numbers op takes, or the general path's error. */
export function numberArg(f: FuncDesc, i: number, v: unknown, what: string): number {
  try {
    return within(`args[${i}]`, () => checkNumber(f.params[i][1] as string, v));
  } catch (e) {
    throw typeError(what, e);
  }
}
