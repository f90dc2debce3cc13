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
far plane is infinite; depth is logarithmic (written per fragment, range set from ``size``), and
every position reaches the GPU relative to the eye (float64 -> float32), so a nanometre explorer
far from the origin and a kilometre-tall one both render without jitter or depth fighting.

``overlay`` is an (H, W, 4) uint8 premultiplied RGBA image, top row first: ``hud.draw_overlay``
(or ``hud.OverlayCache``) makes one from a ``hud.HudState`` (``hud.state_for`` fills it from a
snapshot). What the renderer reads from ``snapshot.extras`` is described in ``views``: agents,
particle fields (a moderngl Buffer of vec4 or an array) and subtitles.

Modules: ``camera`` (matrices, precision), ``relativity`` (Doppler colour reference),
``meshes`` (body shapes, agent silhouettes), ``shaders`` (program loading, errors with
file:line), ``renderer`` (the passes), ``hud`` (overlay), ``views`` (extras records).
"""
