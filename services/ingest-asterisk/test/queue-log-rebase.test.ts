import { describe, expect, it } from 'vitest';
import { epochOfLine, rebaseQueueLogLine } from '../src/queue-log-rebase.js';

describe('rebaseQueueLogLine', () => {
  it('moves the epoch and every uniqueid, and nothing else', () => {
    expect(rebaseQueueLogLine('1772438404|1772438401.100|sales|PJSIP/2004|CONNECT|3|1772438401.101|3', 1000)).toBe('1772439404|1772439401.100|sales|PJSIP/2004|CONNECT|3|1772439401.101|3');
    expect(rebaseQueueLogLine('1772438401|1772438401.100|sales|NONE|ENTERQUEUE||+15550000121|1', -1)).toBe('1772438400|1772438400.100|sales|NONE|ENTERQUEUE||+15550000121|1');
    expect(rebaseQueueLogLine('1772438104|MANAGER|billing|PJSIP/2006|ADDMEMBER|', 5)).toBe('1772438109|MANAGER|billing|PJSIP/2006|ADDMEMBER|');
  });

  it('leaves a line without an epoch as it is', () => {
    expect(rebaseQueueLogLine('garbage', 10)).toBe('garbage');
    expect(epochOfLine('garbage')).toBeUndefined();
    expect(epochOfLine('1772438104|MANAGER|billing|PJSIP/2006|ADDMEMBER|')).toBe(1772438104);
  });
});
