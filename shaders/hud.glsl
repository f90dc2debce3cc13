// The HUD and subtitles: the RGBA overlay texture drawn over the finished frame with
// premultiplied alpha blending, as quads over only the parts of it that hold something (the
// renderer finds them when the overlay changes), not over the whole frame.
#if defined VERTEX_SHADER
uniform vec2 u_overlay_size;  // overlay image size in pixels
in vec2 in_pixel;             // quad corner in overlay pixels, top row first
out vec2 v_uv;
void main() {
    v_uv = in_pixel / u_overlay_size;  // the image is stored top row first, at v = 0
    vec2 ndc = vec2(in_pixel.x / u_overlay_size.x, 1.0 - in_pixel.y / u_overlay_size.y) * 2.0 - 1.0;
    gl_Position = vec4(ndc, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
uniform sampler2D u_overlay;
in vec2 v_uv;
out vec4 f_colour;
void main() {
    f_colour = texture(u_overlay, v_uv);  // premultiplied alpha
}
#endif
