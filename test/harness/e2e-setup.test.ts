// Pure parts of the e2e setup: which engines PUNCH_E2E_ENGINES selects, and how a bridge's private
// subnet is chosen so that it overlaps no address or route of the machine.
import { describe, expect, it } from 'vitest';
import { freeSubnet, usedRanges } from '../e2e/setup/bridge.js';
import { selectedEngines } from '../e2e/setup/engines.js';

describe('PUNCH_E2E_ENGINES', () => {
  it('unset or empty: every engine, Docker 20.10 first', () => {
    expect(selectedEngines(undefined)).toEqual(['docker20', 'docker26']);
    expect(selectedEngines(' ')).toEqual(['docker20', 'docker26']);
  });

  it('one engine: only that one', () => {
    expect(selectedEngines('docker26')).toEqual(['docker26']);
  });

  it('a list in any order: setup order, so docker20 stays the primary engine', () => {
    expect(selectedEngines('docker26, docker20')).toEqual(['docker20', 'docker26']);
  });

  it('an unknown name: an error naming it and the known ones', () => {
    expect(() => selectedEngines('docker20,docker27')).toThrow('PUNCH_E2E_ENGINES=docker20,docker27: unknown engine docker27; use a comma list of docker20, docker26');
  });
});

describe('the bridge subnet', () => {
  const ipOutput = [
    '2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0',
    '3: docker0    inet 10.210.0.1/16 scope global docker0',
    'default via 192.0.2.1 dev eth0',
    '10.211.5.0/24 dev br-x proto kernel scope link src 10.211.5.1',
  ].join('\n');

  it('reads every prefix of addresses and routes', () => {
    const ranges = usedRanges(ipOutput);
    expect(ranges).toContainEqual([0xc0000200, 0xc00002ff]);
    expect(ranges).toContainEqual([0x0ad20000, 0x0ad2ffff]);
    expect(ranges).toContainEqual([0x0ad30500, 0x0ad305ff]);
  });

  it('skips a /24 inside a used /16 and a used /24', () => {
    const used = usedRanges(ipOutput);
    expect(freeSubnet(used, 0)).toBe('10.211.0.1/24');
    expect(freeSubnet(used, 256 + 5)).toBe('10.211.6.1/24');
  });

  it('starts at the seed, wrapping around: runs with other pids start elsewhere', () => {
    expect(freeSubnet([], 7)).toBe('10.210.7.1/24');
    expect(freeSubnet([], 40 * 256 + 7)).toBe('10.210.7.1/24');
  });
});
