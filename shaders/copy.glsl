// A copy of our own frame into a target we could not draw into directly (a window's default
// framebuffer): one texel per pixel, nothing else, so it costs what a copy costs.
#if defined VERTEX_SHADER
void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
uniform sampler2D u_scene;       // the frame, viewport sized
uniform ivec2 u_viewport_origin; // where the viewport starts in the target
out vec4 f_colour;
void main() {
    f_colour = vec4(texelFetch(u_scene, ivec2(gl_FragCoord.xy) - u_viewport_origin, 0).rgb, 1.0);
}
#endif
