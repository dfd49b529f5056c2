// Reading a Containerfile into instructions: where dockerfile-ast and BuildKit read differently,
// BuildKit wins; heredocs are found as dockerfile-ast finds them.
import { expect, test } from 'vitest';
import { readSource, type RawInstruction } from '../../src/containerfile/source.js';

const brief = (ins: RawInstruction[]) => ins.map((i) => `${i.range.start.line}:${i.range.start.col} ${i.keyword} ${i.args.text}`);

test('an escape directive after an unknown directive is a comment, as BuildKit reads it', () => {
  // dockerfile-ast alone would honour the backtick and run LABEL into the COPY line.
  const src = readSource('# foo=bar\n# escape=`\nFROM scratch\nLABEL a=b`\nCOPY k /k\n');
  expect(src.directives.escape).toBe('\\');
  expect(brief(src.instructions)).toEqual(['3:1 FROM scratch', '4:1 LABEL a=b`', '5:1 COPY k /k']);
});

test('an escape directive after an empty directive is a comment, as BuildKit reads it', () => {
  const src = readSource('# syntax=\n# escape=`\nFROM scratch\nLABEL a=b`\nCOPY k /k\n');
  expect(brief(src.instructions)).toEqual(['3:1 FROM scratch', '4:1 LABEL a=b`', '5:1 COPY k /k']);
});

test('a backtick escape directive continues lines with a backtick', () => {
  const src = readSource('# escape=`\nFROM scratch\nLABEL a=b `\n  c=d\nCOPY k /k\n');
  expect(brief(src.instructions)).toEqual(['2:1 FROM scratch', '3:1 LABEL a=b   c=d', '5:1 COPY k /k']);
});

test('the first instruction right after the directives keeps its position', () => {
  const src = readSource('# syntax=x/y\n# escape=\\\nFROM scratch\n');
  expect(src.instructions[0]!.keywordRange).toEqual({ start: { line: 3, col: 1 }, end: { line: 3, col: 5 } });
});

test('a line that is only an escape continues into the next instruction', () => {
  expect(brief(readSource('FROM scratch\n\\\nLABEL a=b\n').instructions)).toEqual(['1:1 FROM scratch', '3:1 LABEL a=b']);
});

test('a lone escape at the end of the file is no instruction', () => {
  expect(brief(readSource('FROM scratch\n\\\n').instructions)).toEqual(['1:1 FROM scratch']);
});

test('heredoc body lines are not instructions', () => {
  const src = readSource('FROM scratch\nRUN <<EOF\necho hi\nFROM x\nEOF\nCOPY a b\n');
  expect(brief(src.instructions)).toEqual(['1:1 FROM scratch', '2:1 RUN <<EOF', '6:1 COPY a b']);
});

test('a heredoc gives its name, operator, body lines and delimiter', () => {
  const [, run] = readSource('FROM scratch\nRUN cat <<"EOT" > f\nx\n  y\nEOT\n').instructions;
  expect(run!.heredocs).toHaveLength(1);
  const h = run!.heredocs[0]!;
  expect(h.name).toBe('EOT');
  expect(h.operator.text).toBe('<<"EOT"');
  expect(h.operator.pos[0]).toEqual({ line: 2, col: 9 });
  expect(h.body.text).toBe('x\n  y\n');
  expect(h.body.pos[2]).toEqual({ line: 4, col: 1 });
  expect(h.delimiter).toEqual({ start: { line: 5, col: 1 }, end: { line: 5, col: 4 } });
});

test('two heredocs of one instruction take the lines in turn', () => {
  const [, copy] = readSource('FROM scratch\nCOPY <<A <<B /dst/\na\nA\nb1\nb2\nB\n').instructions;
  expect(copy!.heredocs.map((h) => [h.name, h.body.text])).toEqual([
    ['A', 'a\n'],
    ['B', 'b1\nb2\n'],
  ]);
});

test('a heredoc with no body has an empty body', () => {
  const [, run] = readSource('FROM scratch\nRUN <<EOF\nEOF\n').instructions;
  expect(run!.heredocs[0]!.body.text).toBe('');
  expect(run!.heredocs[0]!.delimiter?.start.line).toBe(3);
});

test('a heredoc the file ends inside has no delimiter', () => {
  const [, run] = readSource('FROM scratch\nRUN <<EOF\necho hi\n').instructions;
  expect(run!.heredocs[0]!.body.text).toBe('echo hi\n');
  expect(run!.heredocs[0]!.delimiter).toBeUndefined();
});

test('instructions other than RUN, COPY and ADD have no heredocs', () => {
  const [, label] = readSource('FROM scratch\nLABEL a=<<EOF\n').instructions;
  expect(label!.heredocs).toEqual([]);
});

test('a <<- heredoc ends at its word after leading tabs', () => {
  const [, copy] = readSource('FROM scratch\nCOPY <<-A /dst\n\ta\n\tA\n').instructions;
  expect(copy!.heredocs[0]!.body.text).toBe('\ta\n');
  expect(copy!.heredocs[0]!.delimiter).toEqual({ start: { line: 4, col: 2 }, end: { line: 4, col: 3 } });
});

test('a plain heredoc after a <<- one still needs its word alone on a line', () => {
  // dockerfile-ast 0.7.1 ends B at the tab-indented B and reads the last line as an instruction.
  const src = readSource('FROM scratch\nCOPY <<-A <<B /d/\n\ta\n\tA\nb\n\tB\nB\n');
  expect(brief(src.instructions)).toEqual(['1:1 FROM scratch', '2:1 COPY <<-A <<B /d/']);
  expect(src.instructions[1]!.heredocs.map((h) => [h.name, h.body.text, h.delimiter?.start.line])).toEqual([
    ['A', '\ta\n', 4],
    ['B', 'b\n\tB\n', 7],
  ]);
});
