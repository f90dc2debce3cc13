// The sun's disc: a quad at infinity just covering it, shading the sky there per pixel (gradient,
// glow and the disc's sharp edge) so the disc stays crisp while the rest of the sky is shaded per
// vertex (shaders/sky.glsl). The quad reaches out to where the glow is soft, and blends into the
// sky under it toward its edges, so it has no seam. Drawn after the sky, under the same depth test
// (nothing written), so whatever stands in front of the sun hides it.
#if defined VERTEX_SHADER
#include "depth.glsl"
#include "display.glsl"
uniform float u_sun_reach;         // tangent of the quad's half angle
out vec3 v_direction;
out vec2 v_corner;
out float v_vignette;
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1)) * 2.0 - 1.0;
    vec3 side = normalize(cross(u_sun_direction, abs(u_sun_direction.y) < 0.9
        ? vec3(0.0, 1.0, 0.0) : vec3(1.0, 0.0, 0.0)));
    vec3 up = cross(side, u_sun_direction);
    v_corner = corner;
    v_direction = u_sun_direction + (side * corner.x + up * corner.y) * u_sun_reach;
    vec4 clip = m_proj * (m_view * vec4(v_direction, 1.0));
    gl_Position = vec4(clip.xy, far_ndc() * clip.w, clip.w);
    v_vignette = vignette(gl_Position);
}
#elif defined FRAGMENT_SHADER
#include "atmosphere.glsl"
#include "display.glsl"
in vec3 v_direction;
in vec2 v_corner;
in float v_vignette;
out vec4 f_colour;
void main() {
    vec2 from_edge = 1.0 - abs(v_corner);
    float weight = smoothstep(0.0, 0.5, min(from_edge.x, from_edge.y));
    vec3 direction = normalize(v_direction);
    float disc = smoothstep(0.9993, 0.9996, dot(direction, u_sun_direction));
    vec3 sky = sky_colour(direction) + u_sun_colour * (disc * 4.0);
    f_colour = vec4(display_colour(sky, v_vignette) * weight, weight);  // premultiplied
}
#endif
