// The XR bridge's own test scene: lit, coloured boxes. Positions arrive relative to the eye
// (float64 subtraction done on the CPU), so m_view is a rotation only. Used to prove the OpenXR
// session, swapchains and submission independently of the world renderer.
#if defined VERTEX_SHADER
uniform mat4 m_proj;
uniform mat4 m_view;
in vec3 in_position;        // unit cube corner in -1..1
in vec3 in_normal;
in vec3 in_centre;          // per box: centre relative to the eye (m)
in float in_half_size;      // per box: half edge length (m)
in vec3 in_colour;          // per box
out vec3 v_normal;
out vec3 v_colour;
void main() {
    v_normal = in_normal;
    v_colour = in_colour;
    gl_Position = m_proj * m_view * vec4(in_centre + in_position * in_half_size, 1.0);
}
#elif defined FRAGMENT_SHADER
in vec3 v_normal;
in vec3 v_colour;
out vec4 f_colour;
void main() {
    vec3 light = normalize(vec3(0.4, 1.0, 0.3));
    float shade = 0.35 + 0.65 * max(dot(normalize(v_normal), light), 0.0);
    f_colour = vec4(v_colour * shade, 1.0);
}
#endif
