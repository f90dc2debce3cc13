"""Rendering: draws a simulation ``Snapshot`` with moderngl into any framebuffer.

Owns everything under ``engine/render/`` and the GLSL in ``shaders/`` (except the simulation's
``shaders/particles_step.glsl``). Reads Snapshots and WorldSpecs; never the simulation's
internals, never world files. Nothing here touches GL at import time: every GL object is made
with a context passed in, and freed by ``release()``.

API for every target (window, offscreen, OpenXR swapchain)::

    from engine.render.renderer import Eye, Renderer
    renderer = Renderer(ctx, world)              # ctx: any moderngl.Context, GL 3.3 or newer
    # From a full world->view matrix (float64: rotation + translation in metres) and any
    # projection, asymmetric ones included (camera.asymmetric_projection_matrix from XrFovf):
    eye = Eye.from_view(view, projection, size=snapshot.explorer.size,
                        velocity=snapshot.explorer.velocity)
    renderer.draw(snapshot, framebuffer, eye, overlay=None)   # into framebuffer.viewport
    renderer.set_world(new_world)                # hot reload: new colours, fog, fields, bands
    renderer.release()

Or from a ``camera.Camera`` (position float64, yaw, pitch, size): ``renderer.render(snapshot,
framebuffer, camera, overlay)``; without a camera it uses the explorer's own eye. The projection's
far plane is infinite; depth is reversed-Z in a float buffer (``depth``: near / distance, the
same relative precision at every distance), and every position reaches the GPU relative to the
eye (float64 -> float32), so a nanometre explorer far from the origin and a kilometre-tall one
both render without jitter or depth fighting.

``overlay`` is an (H, W, 4) uint8 premultiplied RGBA image, top row first: ``hud.draw_overlay``
(or ``hud.OverlayCache``) makes one from a ``hud.HudState`` (``hud.state_for`` fills it from a
snapshot). The renderer uploads an overlay only when it gets a different array, or a writable one
(it may have been changed in place); ``OverlayCache`` hands out the same read-only array until the
HUD changes, so an unchanged HUD costs nothing but blending its occupied tiles. What the
renderer reads from ``snapshot.extras`` is described in ``views``: agents,
particle fields (a moderngl Buffer of vec4 or an array) and subtitles.

Performance on a CPU rasteriser (Mesa llvmpipe) shaped the passes: no full-screen post pass (the
display transform runs in every object shader), no fragment shader writes depth, the ground and
sky shade their smooth parts per vertex of a coarse screen grid (the sky entirely), bodies do
their per-instance work on the CPU and light per vertex, time-field effects run only over the
fields' screen rectangles in a program compiled for the fields at hand, the HUD blends over its
occupied tiles only. ``bench/render.py --passes`` times each pass against a bare loop.

Modules: ``camera`` (matrices, precision), ``depth`` (reversed-Z: float depth, clip control),
``relativity`` (Doppler colour),
``meshes`` (body shapes, agent silhouettes), ``noise`` (the ground's baked noise texture),
``shaders`` (program loading, errors with file:line), ``renderer`` (the passes), ``hud``
(overlay), ``views`` (extras records).
"""
