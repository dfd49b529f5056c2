// A table of RUN files, each built twice on every engine: through the punch frontend and through
// Docker's built-in Dockerfile frontend. The two images must have the same rootfs (path, type, mode,
// uid/gid, content), Env, WorkingDir, User and Cmd; labels and punch's /urunc.json aside, and for a
// FROM scratch image the default PATH Docker's frontend writes into its Env (punch leaves it out of a
// unikernel image: README, "Containerfile support").
import { beforeAll, describe, expect, test } from 'vitest';
import { e2e, imageInspect, imageRootfs, makeContext, onEachEngine, type Engine, type FsNode, type ImageInspect } from './engine.js';
import { URUNC, punchBuildOk, punchContext, tree } from './frontend-support.js';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BUSYBOX_LABELS = `LABEL ${URUNC}binary=/bin/busybox ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt`;
const KERNEL_LABELS = `LABEL ${URUNC}binary=/unikernel/kernel ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt`;
/** A SHELL that leaves a trace: every RUN through it appends its name to /shell.log, then runs. */
const tracingShell = (name: string): string => JSON.stringify(['/bin/sh', '-c', `echo ${name} >> /shell.log; eval "$1"`, 'sh']);

interface Bases {
  busybox: string;
  /** busybox with no Env at all (so no PATH) and WorkingDir /base (docker import). */
  bare: string;
  /** busybox with WorkingDir /srv and a tracing Shell, built by Docker's own frontend. */
  shelled: string;
}

interface Row {
  name: string;
  /** The file, one line per entry. */
  file: (b: Bases) => string[];
  buildArgs?: Record<string, string>;
  /** Build context files besides the Containerfile/Dockerfile. */
  files?: Record<string, string>;
  /** The final stage is FROM scratch: Docker's Env has its default PATH first, punch's has none. */
  scratch?: boolean;
  /** Docker 20.10's built-in frontend (BuildKit v0.8, Dockerfile 1.2) has no here-documents. */
  heredocs?: boolean;
}

const ROWS: Row[] = [
  {
    name: 'a multi-stage build whose RUN output a later busybox stage copies and runs again',
    file: (b) => [
      `FROM ${b.busybox} AS build`,
      'WORKDIR /src',
      'RUN echo "built in $(pwd)" > out.txt && chmod 0600 out.txt && mkdir -p sub/deeper && ln -s ../out.txt sub/link',
      `FROM ${b.busybox}`,
      'COPY --from=build /src /opt/app',
      'RUN cat /opt/app/out.txt > /opt/copy.txt',
      BUSYBOX_LABELS,
    ],
  },
  {
    name: 'WORKDIR absolute, then relative to it; RUN and a relative COPY destination run there',
    file: (b) => [`FROM ${b.busybox}`, 'WORKDIR /w', 'WORKDIR a/b', 'RUN pwd > here', 'WORKDIR ../c', 'RUN pwd > here', BUSYBOX_LABELS],
  },
  {
    name: 'USER by name (from /etc/passwd made by a RUN) and by uid:gid',
    file: (b) => [
      `FROM ${b.busybox}`,
      "RUN mkdir -p /etc /home/app && echo 'app:x:1001:1002::/home/app:/bin/sh' > /etc/passwd && echo 'app:x:1002:' > /etc/group && chown 1001:1002 /home/app",
      'USER app',
      'RUN id > /home/app/id && touch /tmp/by-name',
      'USER 1003:1004',
      'RUN touch /tmp/by-id && id -u > /tmp/uid',
      BUSYBOX_LABELS,
    ],
  },
  {
    name: 'WORKDIR with no RUN after it makes the directory, nested ones too',
    file: (b) => [`FROM ${b.busybox}`, 'WORKDIR /opt/a', 'WORKDIR b/c', 'WORKDIR ../d', BUSYBOX_LABELS],
  },
  {
    name: 'WORKDIR after USER by name and by uid:gid is owned by that user, parents too',
    file: (b) => [
      `FROM ${b.busybox}`,
      "RUN mkdir -p /etc && echo 'app:x:1001:1002::/home/app:/bin/sh' > /etc/passwd && echo 'app:x:1002:' > /etc/group",
      'USER app',
      'WORKDIR /home/app/work',
      'USER 1003:1004',
      'WORKDIR /srv/data',
      'WORKDIR nested',
      BUSYBOX_LABELS,
    ],
  },
  {
    name: 'WORKDIR in a FROM scratch final stage, after its COPY',
    scratch: true,
    file: (b) => [
      `FROM ${b.busybox} AS build`,
      'RUN mkdir /out && echo kernel > /out/kernel && chmod 0755 /out/kernel',
      'FROM scratch',
      'COPY --from=build /out/kernel /unikernel/kernel',
      'WORKDIR /data/app',
      KERNEL_LABELS,
    ],
  },
  {
    name: 'ENV and ARG scoping: globals, stage defaults, build args, ENV over ARG, ARGs out of the config',
    buildArgs: { GIVEN: 'from-cli' },
    file: (b) => [
      'ARG GLOBAL=global-default',
      `FROM ${b.busybox}`,
      'ARG GLOBAL',
      'ARG GIVEN=default',
      'ARG LOCAL=local-default',
      'ENV FROM_ARG=$LOCAL SHARED=env',
      'ARG SHARED=arg',
      'RUN echo "$GLOBAL|$GIVEN|$LOCAL|$FROM_ARG|$SHARED|$UNDECLARED" > /args.txt',
      'ENV LATE=1',
      'RUN env | grep -E "^(GLOBAL|GIVEN|LOCAL|FROM_ARG|SHARED|LATE)=" | sort > /env.txt',
      BUSYBOX_LABELS,
    ],
  },
  {
    name: 'SHELL: shell-form RUNs go through it, exec-form RUNs do not',
    file: (b) => [`FROM ${b.busybox}`, `SHELL ${tracingShell('custom')}`, 'RUN echo shell > /one', 'RUN ["/bin/sh", "-c", "echo exec > /two"]', 'RUN echo again >> /one', BUSYBOX_LABELS],
  },
  {
    name: "the base image's Shell and WorkingDir: RUN, a relative WORKDIR and COPY start there",
    files: { 'k.txt': 'from the context\n' },
    file: (b) => [`FROM ${b.shelled}`, 'RUN pwd > where', 'WORKDIR rel', 'RUN pwd > where', 'COPY k.txt copied/', BUSYBOX_LABELS],
  },
  {
    name: 'a base with no Env: the default PATH reaches RUN and the config; its WorkingDir is the start',
    file: (b) => [`FROM ${b.bare}`, 'RUN echo "$PATH" > path.txt', 'ENV MODE=1', BUSYBOX_LABELS],
  },
  {
    name: 'a build stage RUN makes the kernel a FROM scratch image copies, with CMD',
    scratch: true,
    file: (b) => [
      `FROM ${b.busybox} AS build`,
      'ARG FLAVOUR=small',
      'RUN mkdir /out && echo "$FLAVOUR kernel" > /out/kernel && chmod 0755 /out/kernel',
      'FROM scratch',
      'COPY --from=build /out/kernel /unikernel/kernel',
      'ENV APP=1',
      KERNEL_LABELS,
      'CMD ["serve", "--port", "80"]',
    ],
  },
  {
    name: 'here-documents in RUN (script, <<-, quoted) and COPY (several, --chmod, expanded and not)',
    heredocs: true,
    file: (b) => [
      `FROM ${b.busybox}`,
      'ARG NAME=world',
      'RUN <<EOF',
      'echo "hello $NAME" > /run.txt',
      'echo second line >> /run.txt',
      'EOF',
      'RUN <<-EOF',
      '\techo tabs stripped > /tabs.txt',
      '\tEOF',
      "RUN cat <<'EOF' > /quoted.txt",
      '$NAME stays',
      'EOF',
      'COPY --chmod=0755 <<EOF <<"RAW" /etc/app/',
      'name=$NAME',
      'EOF',
      'name=$NAME',
      'RAW',
      'COPY <<EOF conf.txt',
      'single',
      'EOF',
      BUSYBOX_LABELS,
    ],
  },
  {
    name: 'a RUN that is one #! heredoc runs as a script file',
    heredocs: true,
    file: (b) => [`FROM ${b.busybox}`, 'RUN <<EOF', '#!/bin/sh -e', 'echo "script $0 $(cat $0 | wc -l)" > /script.txt', 'EOF', BUSYBOX_LABELS],
  },
  {
    name: 'a here-document written into a FROM scratch image',
    heredocs: true,
    scratch: true,
    file: () => ['FROM scratch', 'ARG MSG=kernel', 'COPY <<EOF /unikernel/kernel', '$MSG bytes', 'EOF', KERNEL_LABELS],
  },
];

/** Everything but punch's /urunc.json. */
function rootfsWithoutUrunc(fs: Map<string, FsNode>): Record<string, FsNode> {
  const t = tree(fs);
  delete t['/urunc.json'];
  return t;
}

const configView = (i: ImageInspect) => ({ Env: i.Config.Env, WorkingDir: i.Config.WorkingDir, User: i.Config.User, Cmd: i.Config.Cmd });

async function publishBases(engine: Engine): Promise<Bases> {
  const busybox = e2e().busyboxImage;
  const registry = e2e().registry;
  const shelled = `${registry}/punch-e2e/busybox-shelled:${engine.name}`;
  const shelledContext = makeContext({ Dockerfile: `FROM ${busybox}\nWORKDIR /srv\nSHELL ${tracingShell('base')}\n` });
  await engine.build({ context: shelledContext, tag: shelled, check: true });
  await engine.docker(['push', shelled], { check: true, timeoutMs: 5 * 60_000 });
  // docker export + import: busybox's files with no config but the WorkingDir.
  const bare = `${registry}/punch-e2e/busybox-bare:${engine.name}`;
  const container = `punch-e2e-bare-${engine.name}`;
  await engine.docker(['rm', '-f', container]);
  await engine.docker(['create', '--name', container, busybox, '/bin/true'], { check: true });
  const exported = await engine.dockerRaw(['export', container], { check: true });
  await engine.docker(['rm', '-f', container], { check: true });
  await engine.docker(['import', '--change', 'WORKDIR /base', '-', bare], { input: exported.stdout, check: true });
  await engine.docker(['push', bare], { check: true, timeoutMs: 5 * 60_000 });
  return { busybox, bare, shelled };
}

onEachEngine((engine) => {
  describe("RUN files: the punch frontend and Docker's own frontend build the same image", () => {
    let bases: Bases;
    beforeAll(async () => {
      bases = await publishBases(engine);
    }, 5 * 60_000);

    const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40);
    // Docker 20.10's built-in frontend reads `COPY <<EOF` as a file named "<<EOF": nothing to compare with.
    const rows = ROWS.filter((r) => !(r.heredocs && engine.name === 'docker20'));
    test.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
      const file = `${row.file(bases).join('\n')}\n`;
      const punchTag = `punch-e2e/run-parity:${slug(row.name)}-punch-${engine.name}`;
      const dockerTag = `punch-e2e/run-parity:${slug(row.name)}-docker-${engine.name}`;
      await punchBuildOk({ context: punchContext(file, row.files), tag: punchTag, ...(row.buildArgs ? { buildArgs: row.buildArgs } : {}) });
      await engine.build({ context: makeContext({ Dockerfile: file, ...row.files }), tag: dockerTag, check: true, ...(row.buildArgs ? { buildArgs: row.buildArgs } : {}) });
      const [ours, theirs] = [await imageInspect(punchTag), await imageInspect(dockerTag)];
      const expected = configView(theirs);
      if (row.scratch) {
        expect(expected.Env[0]).toBe(`PATH=${SYSTEM_PATH}`);
        expected.Env = expected.Env.slice(1);
      }
      expect(configView(ours)).toEqual(expected);
      expect(rootfsWithoutUrunc(await imageRootfs(punchTag))).toEqual(rootfsWithoutUrunc(await imageRootfs(dockerTag)));
    }, 5 * 60_000);
  });
});
