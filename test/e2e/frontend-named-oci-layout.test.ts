// `docker buildx build --build-context NAME=oci-layout://DIR` through the punch frontend on Docker 26
// (buildx 0.13.1): buildx serves the layout as an OCI store in the session and sends
// `context:NAME=oci-layout://<store>:<tag>@<digest>`; the frontend resolves the config in that store
// and reads the image through an oci-layout source. The layout is one `punch build` wrote.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { imageRootfs, makeContext, onEachEngine } from './engine.js';
import { URUNC, punchBuildOk, punchContext, punchStdout, tree } from './frontend-support.js';

const LABELS = `LABEL ${URUNC}binary=/unikernel/app.hvt ${URUNC}unikernelType=rumprun ${URUNC}hypervisor=hvt\n`;

onEachEngine(() => {
  let layout = '';
  beforeAll(async () => {
    layout = join(mkdtempSync(join(tmpdir(), 'punch-e2e-layout-')), 'kernel');
    const kernel = makeContext({ Containerfile: `FROM scratch\nCOPY app.hvt /unikernel/app.hvt\n${LABELS}`, 'app.hvt': 'kernel from the layout\n' });
    await punchStdout(['build', '-t', 'kernel:1', '--output', `type=oci-layout,dest=${layout}`, '--progress', 'quiet', '.'], kernel);
  });

  test('kernel=oci-layout://<dir>: COPY --from=kernel reads the layout\'s image', async () => {
    const context = punchContext(`FROM scratch\nCOPY --from=kernel /unikernel/app.hvt /unikernel/app.hvt\n${LABELS}`);
    await punchBuildOk({ context, tag: 'punch-e2e/named:oci-copy', extraArgs: ['--build-context', `kernel=oci-layout://${layout}`] });
    expect(tree(await imageRootfs('punch-e2e/named:oci-copy'))['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('kernel from the layout\n') });
  });

  test('kernel=oci-layout://<dir>: FROM kernel builds on the layout\'s image', async () => {
    const context = punchContext('FROM kernel\nCOPY notes.txt /notes.txt\n', { 'notes.txt': 'on top\n' });
    await punchBuildOk({ context, tag: 'punch-e2e/named:oci-from', extraArgs: ['--build-context', `kernel=oci-layout://${layout}`] });
    const files = tree(await imageRootfs('punch-e2e/named:oci-from'));
    expect(files['/unikernel/app.hvt']).toMatchObject({ content: Buffer.from('kernel from the layout\n') });
    expect(files['/notes.txt']).toMatchObject({ content: Buffer.from('on top\n') });
  });
}, (e) => e.info.buildx);
