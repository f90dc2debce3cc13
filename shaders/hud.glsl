// The HUD and subtitles: one RGBA overlay drawn over the finished frame with alpha blending.
#if defined VERTEX_SHADER
out vec2 v_uv;
void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = vec2(corner.x, 1.0 - corner.y);  // the overlay image is stored top row first
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
uniform sampler2D u_overlay;
in vec2 v_uv;
out vec4 f_colour;
void main() {
    f_colour = texture(u_overlay, v_uv);  // premultiplied alpha
}
#endif
