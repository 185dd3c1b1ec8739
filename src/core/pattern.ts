import { RE2 } from 're2-wasm';

/** The longest pattern kdr accepts (config or command line). */
export const PATTERN_MAX = 256;

/** Something that says whether a name matches (RE2 underneath: linear in the name's length, whatever the pattern). */
export interface NameMatcher {
  test(name: string): boolean;
}

const compiled = new Map<string, RE2>();
const CACHE = 512;

function compile(pattern: string): RE2 {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  const re = new RE2(`^(?:${pattern})$`, 'u');
  // bounded: an evicted matcher's memory lives in the WASM heap, so the cache stays small and long-lived
  if (compiled.size >= CACHE) compiled.delete(compiled.keys().next().value!);
  compiled.set(pattern, re);
  return re;
}

/**
 * Why a topic/group pattern cannot be used, or undefined. Patterns run on RE2 (as Google's and Go's): time linear in
 * the name, no backtracking, so no pattern from Slack, the terminal or a config can stall the worker. What RE2 does
 * not have (backreferences, lookaround) is refused here with the reason, before anything runs.
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > PATTERN_MAX) return `${pattern.length} characters, at most ${PATTERN_MAX}`;
  try {
    compile(pattern);
    return undefined;
  } catch (err) {
    // RE2's message repeats the wrapped pattern (`Invalid regular expression: /^(?:…)$/u: <reason>`): keep the reason
    return (err as Error).message.replace(/^Invalid regular expression: \/.*\/u: /s, '');
  }
}

/** The pattern matched against whole names (Java's Pattern.matches, as MM2 does); throws on a pattern with a problem. */
export function wholeName(pattern: string): NameMatcher {
  const problem = patternProblem(pattern);
  if (problem) throw new Error(`pattern ${JSON.stringify(pattern.slice(0, 40))} cannot be used: ${problem}`);
  const re = compile(pattern);
  return { test: (name) => re.test(name) };
}
