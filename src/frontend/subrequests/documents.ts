// The outline, targets and lint documents of a Containerfile, computed the way BuildKit's Dockerfile
// frontend computes them (dockerfile2llb Dockerfile2Outline, ListTargets, DockerfileLint), from punch's
// plan, declarations and diagnostics. Pure.
import { formatDiagnostic, type Diagnostic, type SourceRange } from '../../diagnostics.js';
import { docComment, type Declarations, type DeclaredArg, type Plan } from '../../session/index.js';
import { DEFAULT_RULE, RULES, ruleAnchor } from '../../urunc/rules.js';
import { lineLocation, pbPosition, type LintResults, type LintWarning, type Outline, type OutlineArg, type OutlineLabel, type PbLocation, type TargetList } from './types.js';

const URUNC_PREFIX = 'com.urunc.unikernel.';

/**
 * Where a lint finding's rule is documented. punch has no published site: the rule list is the
 * README's "Rules" table shipped with punch, and each rule has an anchor there.
 */
export function ruleUrl(rule: string): string {
  return `README.md${ruleAnchor(rule)}`;
}

export function ruleDescription(rule: string): string {
  return RULES.find((r) => r.name === rule)?.description ?? '';
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** A diagnostic range: 1-based lines, 0-based characters, as BuildKit's source ranges are. */
export function rangeLocation(r: SourceRange): PbLocation {
  return { ranges: [{ start: pbPosition(r.start.line, r.start.col - 1), end: pbPosition(r.end.line, r.end.col - 1) }] };
}

/** The stages the target needs: itself, then its base stages, then stages COPY --from names, depth first. */
function reachable(plan: Plan): number[] {
  const out: number[] = [];
  const visit = (i: number): void => {
    if (out.includes(i)) return;
    out.push(i);
    const stage = plan.stages[i]!;
    if (stage.base.kind === 'stage') visit(stage.base.stage);
    for (const step of stage.steps) {
      if (step.kind === 'copy' && step.from.kind === 'stage') visit(step.from.stage);
      if (step.kind === 'initrd') for (const item of step.items) if (item.from.kind === 'stage') visit(item.from.stage);
    }
  };
  visit(plan.target);
  return out;
}

function outlineArg(a: DeclaredArg, decl: Declarations): OutlineArg {
  const description = docComment(decl.comments.get(a.range.start.line), a.name);
  return {
    name: a.name,
    ...(description ? { description } : {}),
    ...(a.value ? { value: a.value } : {}),
    location: lineLocation(a.range.start.line, a.range.end.line),
  };
}

/**
 * The build args the target uses, as Docker lists them: those its stages declare, the globals their
 * FROM lines name (with the globals those refer to), each once, in file order.
 */
function outlineArgs(plan: Plan, decl: Declarations): OutlineArg[] {
  const globals = new Map<string, DeclaredArg>();
  for (const a of plan.args) if (a.stage === undefined) globals.set(a.name, a);
  const seen = new Set<string>();
  const out: DeclaredArg[] = [];
  for (const s of reachable(plan)) {
    const own = new Map<string, DeclaredArg>();
    for (const a of plan.args) if (a.stage === s && !a.inherited) own.set(a.name, a);
    const used = new Set([...(plan.fromArgs[s] ?? []), ...plan.args.filter((a) => a.stage === s).map((a) => a.name)]);
    const pending = [...used];
    while (pending.length > 0) {
      const name = pending.shift()!;
      const info = own.get(name) ?? globals.get(name);
      if (!info) continue;
      if (info.stage === undefined) for (const dep of info.uses) if (!used.has(dep)) (used.add(dep), pending.push(dep));
      if (seen.has(name)) continue;
      seen.add(name);
      out.push(info);
    }
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line).map((a) => outlineArg(a, decl));
}

/** The com.urunc.unikernel.* labels the target stage ends with (file, then --label), by name. */
function uruncLabels(plan: Plan, cliLabels: Record<string, string>): OutlineLabel[] {
  const chain: number[] = [];
  for (let i: number | undefined = plan.target; i !== undefined; ) {
    chain.unshift(i);
    const base: Plan["stages"][number]["base"] = plan.stages[i]!.base;
    i = base.kind === 'stage' ? base.stage : undefined;
  }
  const labels = new Map<string, OutlineLabel>();
  for (const i of chain) {
    for (const l of plan.stages[i]!.config.labels) {
      if (l.key.startsWith(URUNC_PREFIX)) labels.set(l.key, { name: l.key, value: l.value, location: rangeLocation(l.range) });
    }
  }
  for (const [k, v] of Object.entries(cliLabels)) if (k.startsWith(URUNC_PREFIX)) labels.set(k, { name: k, value: v });
  return [...labels.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function outlineDocument(text: string, plan: Plan, decl: Declarations, cliLabels: Record<string, string>): Outline {
  const stage = plan.stages[plan.target]!;
  const name = stage.name ?? '';
  const description = docComment(decl.comments.get(stage.range.start.line), name);
  const args = outlineArgs(plan, decl);
  const labels = uruncLabels(plan, cliLabels);
  return {
    ...(name ? { name } : {}),
    ...(description ? { description } : {}),
    ...(args.length > 0 ? { args } : {}),
    ...(labels.length > 0 ? { labels } : {}),
    sources: [base64(text)],
  };
}

export function targetsDocument(text: string, decl: Declarations): TargetList {
  const last = decl.stages.length - 1;
  const targets = decl.stages.map((s, i) => ({
    ...(s.name ? { name: s.name } : {}),
    ...(i === last ? { default: true } : {}),
    ...(s.description ? { description: s.description } : {}),
    ...(s.base ? { base: s.base } : {}),
    ...(s.platform ? { platform: s.platform } : {}),
    location: lineLocation(s.range.start.line, s.range.end.line),
  }));
  return { targets: targets.length > 0 ? targets : null, sources: [base64(text)] };
}

function warning(d: Diagnostic): LintWarning {
  const rule = d.rule ?? DEFAULT_RULE;
  const description = ruleDescription(rule);
  return { ruleName: rule, ...(description ? { description } : {}), url: ruleUrl(rule), detail: d.message, location: rangeLocation(d.range) };
}

/**
 * Every finding is a warning with its rule, except that a build that would fail also gets a
 * buildError: the first Containerfile error (as a parse error is in Docker), or else, as Docker says
 * for rules made errors, the rules that failed.
 */
export function lintDocument(file: string, text: string, diagnostics: readonly Diagnostic[]): LintResults {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const syntax = errors.find((d) => (d.rule ?? DEFAULT_RULE) === DEFAULT_RULE);
  const warnings = diagnostics.filter((d) => d !== syntax).map(warning);
  const result: LintResults = {
    warnings: warnings.length > 0 ? warnings : null,
    sources: [{ filename: file, data: base64(text), language: 'Dockerfile' }],
  };
  const first = syntax ?? errors[0];
  if (first) {
    const rules = [...new Set(errors.map((d) => d.rule ?? DEFAULT_RULE))];
    result.buildError = {
      message: syntax ? formatDiagnostic(syntax) : `lint violation found for rules: ${rules.join(', ')}`,
      location: rangeLocation(first.range),
    };
  }
  return result;
}
