// The sky, at infinity over the screen grid (``in_ndc``, a vertex every few pixels): its gradient
// and the sun's glow are smooth, so its display colour is worked out per vertex and the pixels
// only interpolate it (on a CPU rasteriser anything per pixel costs as much as the whole sky).
// The sun's disc, the one sharp thing in it, is the sun pass's (shaders/sun.glsl): a small quad
// that shades the same sky per pixel. Drawn after the opaque passes, so the depth test leaves
// it only the pixels they left empty (it writes no depth, so the rest are rejected unshaded), and
// a clip plane just under the ground's far edge keeps most of what the ground covers from being
// rasterised at all.
#if defined VERTEX_SHADER
#include "depth.glsl"
#include "atmosphere.glsl"
#include "display.glsl"
uniform float u_sky_floor;         // sine of the lowest angle the ground leaves uncovered
in vec2 in_ndc;
out vec3 v_colour;                 // display values
void main() {
    vec4 far_point = m_inverse_view_proj * vec4(in_ndc, 0.0, 1.0);
    vec3 direction = normalize(far_point.xyz / far_point.w);
    gl_Position = vec4(in_ndc, far_ndc(), 1.0);  // at infinity: drawn only where nothing else is
    // Cut away what the ground covers before it is rasterised (cheaper than depth-testing it).
    gl_ClipDistance[0] = direction.y + u_sky_floor;
    v_colour = display_colour(sky_colour(direction), vignette(gl_Position));
}
#elif defined FRAGMENT_SHADER
in vec3 v_colour;
out vec4 f_colour;
void main() {
    f_colour = vec4(v_colour, 1.0);
}
#endif
