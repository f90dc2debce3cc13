// Sky, sun and fog shared by every pass that shades something the eye sees through the air.
// Their uniforms are in the Frame block: u_sky_zenith, u_sky_horizon, u_fog_colour, u_fog_density,
// u_sun_direction, u_sun_colour, u_ambient.
#include "frame.glsl"

// The sky's gradient: horizon to zenith, fading below the horizon into the haze of the far ground.
vec3 sky_gradient(vec3 direction) {
    float height = direction.y;
    vec3 sky = mix(u_sky_horizon, u_sky_zenith, sqrt(clamp(height, 0.0, 1.0)));
    return mix(sky, mix(u_fog_colour, u_sky_horizon, 0.5), clamp(-height * 6.0, 0.0, 1.0));
}

// The sun's glow around its direction (its disc, u_sun_colour * 4 where toward_sun > 0.9996,
// is the sky pass's).
vec3 sun_glow(vec3 direction) {
    float toward_sun = max(dot(direction, u_sun_direction), 0.0);
    // Powers by squaring: pow() is two transcendental calls on a CPU rasteriser.
    float sun_4 = toward_sun * toward_sun;
    sun_4 *= sun_4;
    float sun_8 = sun_4 * sun_4;
    float sun_64 = sun_8 * sun_8;
    sun_64 *= sun_64;
    sun_64 *= sun_64;
    float sun_128 = sun_64 * sun_64;
    return u_sun_colour * (sun_8 * sun_4 * 0.25 + sun_128 * sun_64 * sun_8 * 0.8);  // ^12, ^200
}

vec3 sky_colour(vec3 direction) {
    return sky_gradient(direction) + sun_glow(direction);
}

// The colour of the fog seen along ``direction``: brighter toward the sun.
vec3 fog_colour(vec3 direction) {
    float toward_sun = max(dot(direction, u_sun_direction), 0.0);
    float sun_8 = toward_sun * toward_sun;
    sun_8 *= sun_8;
    sun_8 *= sun_8;
    return mix(u_fog_colour, u_sun_colour, sun_8 * 0.35);
}

vec3 apply_fog(vec3 colour, float distance_metres, vec3 direction) {
    return mix(fog_colour(direction), colour, exp(-u_fog_density * distance_metres));
}

vec3 lit(vec3 albedo, vec3 normal) {
    float diffuse = max(dot(normal, u_sun_direction), 0.0);
    float sky_light = 0.5 + 0.5 * normal.y;  // hemisphere: more light from above
    vec3 ambient = u_ambient * mix(u_fog_colour, u_sky_zenith, sky_light) * 1.6;
    return albedo * (ambient + u_sun_colour * diffuse * (1.0 - u_ambient));
}
