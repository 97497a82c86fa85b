// The call chime: two falling tones drawn with Web Audio (no sound file).
// Browsers allow sound only after a touch on the page (or with an autoplay
// policy on TVs); where there is no Web Audio the chime is silent.

let context = null;

/** The page's one AudioContext; null without Web Audio. */
function audioContext() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return null;
  if (!context) context = new AC();
  return context;
}

/** Creates and resumes the AudioContext: call it from a touch, which is
 *  what lets a phone play the chime later. */
export function unlockAudio() {
  try {
    const ctx = audioContext();
    if (ctx && ctx.state === 'suspended' && ctx.resume) ctx.resume().catch(() => {});
  } catch {
    // No audio on this device.
  }
}

/** Two tones of a doorbell. */
export const DOORBELL = [[880, 0], [660, 0.35]];
/** Two softer, slower tones, for a waiting room. */
export const ROOM = [[659.25, 0], [523.25, 0.45]];

/**
 * Plays `tones` ([frequency in Hz, start in s]) each lasting `length`
 * seconds. Resolves when the chime has started (after at most `resumeMs`
 * waiting for a suspended context): true, or false where there is no sound.
 */
export async function chime(tones = DOORBELL, { length = 0.5, volume = 0.4, resumeMs = 300 } = {}) {
  try {
    const ctx = audioContext();
    if (!ctx) return false;
    if (ctx.state === 'suspended' && ctx.resume) {
      await Promise.race([ctx.resume().catch(() => {}), new Promise((r) => setTimeout(r, resumeMs))]);
    }
    const start = (ctx.currentTime || 0) + 0.05;
    for (const [freq, at] of tones) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(volume, start + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.onended = () => {
        osc.disconnect?.();
        gain.disconnect?.();
      };
      osc.start(start + at);
      osc.stop(start + at + length + 0.05);
    }
    return true;
  } catch {
    // No sound: the page still shows the call.
    return false;
  }
}

