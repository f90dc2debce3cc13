// A textured panel placed in the world (the headset's subtitles). Corners arrive relative to the
// eye (float64 subtraction on the CPU), so m_view is a rotation only. The texture is premultiplied
// RGBA; it is drawn over the scene without depth so subtitles are never hidden.
#if defined VERTEX_SHADER
uniform mat4 m_proj;
uniform mat4 m_view;
in vec3 in_position;  // corner relative to the eye (m)
in vec2 in_texcoord;  // 0,0 = top left of the image
out vec2 v_texcoord;
void main() {
    v_texcoord = in_texcoord;
    gl_Position = m_proj * m_view * vec4(in_position, 1.0);
}
#elif defined FRAGMENT_SHADER
uniform sampler2D u_image;
in vec2 v_texcoord;
out vec4 f_colour;
void main() {
    f_colour = texture(u_image, v_texcoord);
}
#endif
