// Periodic value noise (period NOISE_PERIOD cells), so that coordinates can be kept small and
// precise: the CPU passes (eye / wavelength) mod NOISE_PERIOD in float64 -> float32.
#define NOISE_PERIOD 256.0
// u_seed_offset (the Frame block): from the world seed, it moves every noise pattern.
#include "frame.glsl"

float hash2(vec2 cell) {
    cell = mod(cell, NOISE_PERIOD);
    vec3 p = fract(vec3(cell.xyx) * 0.1031 + u_seed_offset);
    p += dot(p, p.yzx + 33.33);
    return fract((p.x + p.y) * p.z);
}

float value_noise(vec2 position) {
    vec2 cell = floor(position);
    vec2 f = fract(position);
    vec2 u = f * f * (3.0 - 2.0 * f);
    float a = hash2(cell);
    float b = hash2(cell + vec2(1.0, 0.0));
    float c = hash2(cell + vec2(0.0, 1.0));
    float d = hash2(cell + vec2(1.0, 1.0));
    return mix(mix(a, b, u.x), mix(c, d, u.x), u.y);
}
