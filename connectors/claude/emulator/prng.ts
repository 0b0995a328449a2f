/**
 * Seeded randomness: the kit's. Every draw is seeded from a string naming what is drawn (e.g.
 * `cc|2026-03-04|user_01…`); this module stays so existing imports of it keep working.
 */
export { Rng, hashString, mulberry32 } from '../../../src/emulator-kit/prng.js';
