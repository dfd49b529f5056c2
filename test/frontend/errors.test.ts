import { describe, expect, it } from 'vitest';
import { messageNamingImage } from '../../src/frontend/errors.js';

describe('messageNamingImage', () => {
  it('prefixes the image to a message that does not name it', () => {
    expect(messageNamingImage('127.0.0.1:1/nothing:1', 'failed to do request: Head "http://127.0.0.1:1/v2/nothing/manifests/1": connection refused')).toBe(
      '127.0.0.1:1/nothing:1: failed to do request: Head "http://127.0.0.1:1/v2/nothing/manifests/1": connection refused',
    );
  });

  it('leaves a message that already names the image as it is', () => {
    expect(messageNamingImage('registry:5000/absent:1', 'registry:5000/absent:1: not found')).toBe('registry:5000/absent:1: not found');
  });
});
