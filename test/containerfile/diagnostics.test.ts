// Every failure is a diagnostic at a position in the file, with a message that says what to do.
import { expect, test } from 'vitest';
import type { PlanOptions } from '../../src/containerfile/index.js';
import { errorsOf } from './helpers.js';

const NO_SHELL =
  'RUN in shell form runs /bin/sh -c, but this stage starts FROM scratch and nothing has been copied in: COPY a shell (and what it needs) in first, use the exec form RUN ["/path/to/program", "arg"], or start FROM an image with a shell';

const table: [name: string, text: string, expected: string[], opts?: Partial<PlanOptions>][] = [
  ['an empty file', '', ['1:1 no FROM instruction: a Containerfile needs at least one stage (FROM scratch or FROM <image>)']],
  ['a shell-form RUN with no shell in the stage', 'FROM scratch\nRUN make', [`2:1 ${NO_SHELL}`]],
  ['lower-case run', 'FROM scratch\n  run make', [`2:3 ${NO_SHELL}`]],
  ['SHELL not in JSON form', 'FROM scratch\nSHELL /bin/bash -c', ['2:7 SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/sh", "-c"]']],
  ['RUN with no command', 'FROM alpine\nRUN', ['2:1 RUN requires at least one argument (the command to run)']],
  ['RUN --network with a mode BuildKit lacks', 'FROM alpine\nRUN --network=bridge true', ['2:5 --network=bridge: expected one of default, none, host']],
  ['RUN --security with a mode BuildKit lacks', 'FROM alpine\nRUN --security=root true', ['2:5 --security=root: expected one of sandbox, insecure']],
  ['RUN --mount without a target', 'FROM alpine\nRUN --mount=type=cache true', ['2:5 --mount=type=cache: a cache mount needs a target (target=/path)']],
  ['RUN --mount with an option of another type', 'FROM alpine\nRUN --mount=type=tmpfs,target=/t,id=x true', ['2:5 --mount=type=tmpfs,target=/t,id=x: id is not an option of a tmpfs mount (it takes target, size)']],
  ['RUN --mount with a bad sharing mode', 'FROM alpine\nRUN --mount=type=cache,target=/c,sharing=all true', ['2:5 --mount=type=cache,target=/c,sharing=all: sharing=all: expected shared, private or locked']],
  ['RUN --mount from a later stage', 'FROM alpine\nRUN --mount=from=b,target=/b true\nFROM alpine AS b', ['2:5 --from=b refers to a later stage (line 3): it must name an earlier stage']],
  ['an unterminated RUN heredoc', 'FROM alpine\nRUN <<EOF\necho hi', ['2:5 unterminated heredoc <<EOF: end it with a line holding only EOF']],
  ['HEALTHCHECK', 'FROM scratch\nHEALTHCHECK NONE', ['2:1 HEALTHCHECK is not supported: urunc runs no health-check command inside a unikernel']],
  ['ONBUILD', 'FROM scratch\nONBUILD COPY a /a', ['2:1 ONBUILD is not supported by punch: write the instructions in the Containerfile that needs them']],
  ['MAINTAINER', 'FROM scratch\nMAINTAINER me', ['2:1 MAINTAINER is deprecated and not supported by punch: use LABEL org.opencontainers.image.authors="…" instead']],
  ['an unknown instruction', 'FROM scratch\nFROB x', ['2:1 unknown instruction: FROB']],
  ['an instruction before FROM', 'LABEL a=b\nFROM scratch', ['1:1 LABEL comes before the first FROM: only ARG may appear there']],
  ['errors are all reported', 'FROM scratch\nRUN a\nHEALTHCHECK NONE', [
    `2:1 ${NO_SHELL}`,
    '3:1 HEALTHCHECK is not supported: urunc runs no health-check command inside a unikernel',
  ]],

  // directives
  ['an invalid escape', '# escape=x\nFROM scratch', ["1:1 invalid escape token 'x' does not match ` or \\"]],
  ['a repeated directive', '# syntax=a/b\n# syntax=c/d\nFROM scratch', ['2:1 only one syntax parser directive can be used']],

  // FROM
  ['FROM without image', 'FROM', ['1:1 FROM requires either one or three arguments: FROM <image> [AS <name>]']],
  ['FROM with two words', 'FROM a b', ['1:1 FROM requires either one or three arguments: FROM <image> [AS <name>]']],
  ['an invalid reference', 'FROM Alpine', ['1:6 invalid base image "Alpine": invalid reference format: repository name must be lowercase']],
  ['a blank base', 'ARG B\nFROM $B', ['2:6 base name ($B) should not be blank']],
  ['stage ARGs are not usable in FROM', 'FROM scratch\nARG B=alpine\nFROM ${B:-}', ['3:6 base name (${B:-}) should not be blank']],
  ['an invalid stage name', 'FROM scratch AS 1st', ['1:17 invalid name for build stage: "1st", name can\'t start with a number or contain symbols']],
  ['a duplicate stage name', 'FROM scratch AS a\nFROM scratch AS A', ['2:17 duplicate stage name "a": stage 0 (line 1) already has it']],
  ['an invalid platform', 'FROM --platform=linux/ scratch', ['1:6 FROM --platform: invalid platform "linux/": expected os/arch[/variant], e.g. linux/amd64 or qemu/amd64']],
  ['an unknown FROM flag', 'FROM --plat=x scratch', ['1:6 unknown flag: --plat (FROM accepts --platform)']],
  ['an unknown target', 'FROM scratch AS a\nFROM scratch AS b', ['1:1 target stage "c" could not be found (stages: a, b)'], { target: 'c' }],
  ['a target without named stages', 'FROM scratch', ['1:1 target stage "c" could not be found (no stage has a name: use FROM <image> AS <name>)'], { target: 'c' }],

  // expansion
  ['an unterminated quote', "FROM scratch\nLABEL a='b", ["2:9 failed to process \"'b\": unexpected end of statement while looking for matching single-quote"]],
  ['an unsupported modifier', 'FROM scratch\nLABEL a=${b#c}', ['2:9 failed to process "${b#c}": unsupported modifier (#) in substitution']],
  ['a required variable', 'FROM scratch\nARG V\nWORKDIR ${V:?set V with --build-arg}', ['3:9 failed to process "${V:?set V with --build-arg}": V: set V with --build-arg']],

  // COPY / ADD
  ['COPY with one argument', 'FROM scratch\nCOPY kernel', ['2:6 COPY requires at least two arguments, but only one was provided. Destination could not be determined.']],
  ['COPY without arguments', 'FROM scratch\nCOPY', ['2:1 COPY requires at least two arguments: COPY <source>... <destination>']],
  ['a CMD flag (Docker reads flags on every instruction)', 'FROM scratch\nCMD --help', ['2:5 unknown flag: --help (CMD accepts no flags)']],
  ['a lone CR is a blank, as in Docker', 'FROM scratch\rLABEL a=b', ['1:1 FROM requires either one or three arguments: FROM <image> [AS <name>]']],
  ['several sources into a file', 'FROM scratch\nCOPY a b /dst', ['2:10 When using COPY with more than one source file, the destination must be a directory and end with a /']],
  ['a wildcard into a file', 'FROM scratch\nCOPY *.img /disk', ['2:12 When using COPY with a wildcard source ("*.img"), the destination must be a directory and end with a /']],
  ['a source climbing out', 'FROM scratch\nCOPY ../x /x', ['2:6 COPY source "../x" is outside the build context: sources must stay inside it']],
  ['a source climbing out after cleaning', 'FROM scratch\nCOPY a/../../x /x', ['2:6 COPY source "a/../../x" is outside the build context: sources must stay inside it']],
  ['ADD of a URL', 'FROM scratch\nADD https://example.com/k /k', ['2:5 ADD of a URL is not supported by punch: download it into the build context and COPY it']],
  ['ADD of a git URL', 'FROM scratch\nADD git@github.com:a/b.git /src/', ['2:5 ADD of a URL is not supported by punch: download it into the build context and COPY it']],
  ['COPY of a URL', 'FROM scratch\nCOPY http://example.com/k /k', ['2:6 source can\'t be a URL for COPY: download "http://example.com/k" into the build context and COPY it']],
  ['a heredoc as the destination', 'FROM scratch\nCOPY k <<EOF\nhello\nEOF', ['2:8 COPY cannot accept a heredoc as a destination: end the line with the destination path']],
  ['an invalid --chmod', 'FROM scratch\nCOPY --chmod=u+x k /k', ['2:6 invalid --chmod value "u+x": expected octal permission bits, e.g. 0755']],
  ['a too large --chmod', 'FROM scratch\nCOPY --chmod=17777 k /k', ['2:6 invalid --chmod value "17777": expected octal permission bits, e.g. 0755']],
  ['an invalid --chown', 'FROM scratch\nCOPY --chown=:g k /k', ['2:6 invalid --chown value ":g": expected user[:group], e.g. 1000:1000 or app']],
  ['an unknown COPY flag', 'FROM scratch\nCOPY --mode=1 k /k', ['2:6 unknown flag: --mode (COPY accepts --from, --chown, --chmod, --link)']],
  ['a Docker flag punch refuses', 'FROM scratch\nCOPY --parents a/b /x/', ['2:6 COPY --parents is not supported by punch']],
  ['ADD --from', 'FROM scratch\nADD --from=x k /k', ['2:5 unknown flag: --from (ADD accepts --chown, --chmod, --link)']],
  ['a repeated flag', 'FROM scratch\nCOPY --link --link k /k', ['2:13 duplicate flag specified: --link']],
  ['a flag without value', 'FROM scratch\nCOPY --from k /k', ['2:6 missing a value on flag: --from']],
  ['a non-boolean --link', 'FROM scratch\nCOPY --link=yes k /k', ['2:6 expecting boolean value for flag --link, not: yes']],
  ['--from a later stage index', 'FROM scratch\nCOPY --from=1 k /k\nFROM scratch', ['2:6 --from=1 must name an earlier stage (this is stage 0)']],
  ['--from the current stage', 'FROM scratch AS a\nCOPY --from=a k /k', ['2:6 --from=a refers to this stage itself: it must name an earlier stage']],
  ['--from a later stage name', 'FROM scratch\nCOPY --from=b k /k\nFROM scratch AS b', ['2:6 --from=b refers to a later stage (line 3): it must name an earlier stage']],
  ['--from an invalid image', 'FROM scratch\nCOPY --from=Bad k /k', ['2:6 --from=Bad is neither an earlier stage nor a valid image reference: invalid reference format: repository name must be lowercase']],
  ['JSON of non-strings', 'FROM scratch\nCOPY ["a", 1, "/b"]', ['2:6 when using JSON array syntax, arrays must be comprised of strings only']],

  // metadata
  ['LABEL without =', 'FROM scratch\nLABEL a=b c', ['2:11 Syntax error - can\'t find = in "c". Must be of the form: name=value']],
  ['LABEL without arguments', 'FROM scratch\nLABEL', ['2:1 LABEL requires at least one argument']],
  ['ENV legacy form without value', 'FROM scratch\nENV A', ['2:5 ENV must have two arguments']],
  ['a blank ENV name', 'FROM scratch\nENV =x', ['2:5 ENV names can not be blank']],
  ['a blank ARG name', 'FROM scratch\nARG =x', ['2:5 ARG names can not be blank']],
  ['a LABEL flag', 'FROM scratch\nLABEL --x=1 a=b', ['2:7 unknown flag: --x (LABEL accepts no flags)']],
  ['CMD with an unterminated quote', 'FROM scratch\nCMD echo "hi', ['2:5 CMD: unexpected end of statement while looking for matching double-quote']],
  ['WORKDIR without argument', 'FROM scratch\nWORKDIR', ['2:1 WORKDIR requires exactly one argument']],
  ['WORKDIR empty after expansion', 'FROM scratch\nWORKDIR $NOPE', ['2:9 WORKDIR "$NOPE" is empty after expansion']],
  ['an invalid port', 'FROM scratch\nEXPOSE 80/tcp 70000', ['2:15 invalid port "70000" in EXPOSE: expected PORT[-PORT][/PROTOCOL], e.g. 80, 53/udp or 8000-8010']],
  ['an invalid protocol', 'FROM scratch\nEXPOSE 80/icmp', ['2:8 invalid protocol "icmp" in EXPOSE: expected tcp, udp or sctp']],
  ['an invalid signal', 'FROM scratch\nSTOPSIGNAL SIGFOO', ['2:12 invalid signal: SIGFOO (expected a name like SIGTERM or a number)']],
  ['an empty VOLUME', 'FROM scratch\nVOLUME [""]', ['2:9 VOLUME specified can not be an empty string']],
];

test.each(table)('%s', (_name, text, expected, opts) => {
  expect(errorsOf(text, opts)).toEqual(expected);
});

test('diagnostics carry the file name', () => {
  expect(errorsOf('FROM scratch\nRUN x', { file: 'sub/Containerfile' }).length).toBe(1);
});
