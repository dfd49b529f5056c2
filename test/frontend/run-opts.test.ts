// The frontend opts that apply to every RUN, decoded as Docker sends them.
import { describe, expect, it } from 'vitest';
import { runEngineOptions } from '../../src/frontend/run-opts.js';

describe('run engine options', () => {
  it('reads nothing from the empty values Docker 20.10 always sends', () => {
    expect(runEngineOptions({ 'add-hosts': '', 'cache-from': '' })).toEqual({});
  });

  it('reads add-hosts as host=ip pairs', () => {
    expect(runEngineOptions({ 'add-hosts': 'a=10.0.0.1,b=10.0.0.2' }).extraHosts).toEqual([
      { host: 'a', ip: '10.0.0.1' },
      { host: 'b', ip: '10.0.0.2' },
    ]);
  });

  it('reads ulimits, the hard limit defaulting to the soft one', () => {
    expect(runEngineOptions({ ulimit: 'nofile=1024:2048,nproc=64' }).ulimits).toEqual([
      { name: 'nofile', soft: 1024, hard: 2048 },
      { name: 'nproc', soft: 64, hard: 64 },
    ]);
  });

  it('reads force-network-mode, shm-size, hostname and cgroup-parent', () => {
    expect(runEngineOptions({ 'force-network-mode': 'host', 'shm-size': '67108864', hostname: 'h', 'cgroup-parent': 'cg' })).toEqual({
      network: 'host',
      shmSize: 67108864,
      hostname: 'h',
      cgroupParent: 'cg',
    });
  });

  it('refuses an unknown network mode', () => {
    expect(() => runEngineOptions({ 'force-network-mode': 'bridge' })).toThrow('force-network-mode=bridge: expected host, none or sandbox');
  });
});
