"""Controller actions: thumbstick locomotion, thumbstick scale change, buttons for time controls.

Owns: the OpenXR action set, its suggested bindings for common controllers (Oculus Touch, Valve
Index, HTC Vive, the Khronos simple controller), and reading it each frame into a
``ControllerInput``. A runtime with no controllers (such as Monado's simulated headset) simply
gives inactive actions: the input stays zero. Must not move the explorer itself (``run``
applies the input through ``engine.xr.stereo``) nor touch GL. Used only by ``engine.xr.session``,
which passes in the imported pyopenxr module.
"""

from __future__ import annotations

from typing import Any

from engine.xr.session import ControllerInput

ACTION_SET_NAME = "heterocosm"
# action name -> (pyopenxr ActionType attribute, localised name)
ACTIONS = {
    "move": ("VECTOR2F_INPUT", "Move"),
    "scale": ("VECTOR2F_INPUT", "Grow or shrink"),
    "time": ("BOOLEAN_INPUT", "Pause or resume time"),
    "reverse": ("BOOLEAN_INPUT", "Reverse time"),
}
# interaction profile -> action name -> input path
SUGGESTED_BINDINGS = {
    "/interaction_profiles/oculus/touch_controller": {
        "move": "/user/hand/left/input/thumbstick",
        "scale": "/user/hand/right/input/thumbstick",
        "time": "/user/hand/right/input/a/click",
        "reverse": "/user/hand/right/input/b/click",
    },
    "/interaction_profiles/valve/index_controller": {
        "move": "/user/hand/left/input/thumbstick",
        "scale": "/user/hand/right/input/thumbstick",
        "time": "/user/hand/right/input/a/click",
        "reverse": "/user/hand/right/input/b/click",
    },
    "/interaction_profiles/htc/vive_controller": {
        "move": "/user/hand/left/input/trackpad",
        "scale": "/user/hand/right/input/trackpad",
        "time": "/user/hand/right/input/menu/click",
        "reverse": "/user/hand/left/input/menu/click",
    },
    "/interaction_profiles/khr/simple_controller": {
        "time": "/user/hand/right/input/select/click",
        "reverse": "/user/hand/left/input/select/click",
    },
}


class ControllerActions:
    """The action set attached to one session; ``read`` gives this frame's input."""

    def __init__(self, xr: Any, instance: Any, session: Any) -> None:
        self._xr = xr
        self._session = session
        self.action_set = xr.create_action_set(
            instance,
            xr.ActionSetCreateInfo(
                action_set_name=ACTION_SET_NAME,
                localized_action_set_name="heterocosm explorer",
                priority=0,
            ),
        )
        self.actions = {
            name: xr.create_action(
                self.action_set,
                xr.ActionCreateInfo(
                    action_name=name,
                    action_type=getattr(xr.ActionType, action_type),
                    localized_action_name=localised,
                ),
            )
            for name, (action_type, localised) in ACTIONS.items()
        }
        self.profiles_accepted: list[str] = []
        for profile, bindings in SUGGESTED_BINDINGS.items():
            suggested = [
                xr.ActionSuggestedBinding(self.actions[name], xr.string_to_path(instance, path))
                for name, path in bindings.items()
            ]
            try:
                xr.suggest_interaction_profile_bindings(
                    instance,
                    xr.InteractionProfileSuggestedBinding(
                        interaction_profile=xr.string_to_path(instance, profile),
                        suggested_bindings=suggested,
                    ),
                )
            except xr.XrException:
                continue  # a runtime may not know every profile; the others still work
            self.profiles_accepted.append(profile)
        xr.attach_session_action_sets(
            session, xr.SessionActionSetsAttachInfo(action_sets=[self.action_set])
        )

    def read(self, space: Any, display_time: int, focused: bool) -> ControllerInput:
        """Sync and read the actions; input only reaches a focused session."""
        if not focused:
            return ControllerInput()
        xr = self._xr
        try:
            xr.sync_actions(
                self._session,
                xr.ActionsSyncInfo(
                    active_action_sets=[xr.ActiveActionSet(self.action_set, xr.NULL_PATH)]
                ),
            )
        except xr.SessionNotFocused:  # focus can go between the state event and this call
            return ControllerInput()
        move = self._vector("move")
        scale = self._vector("scale")
        time_state = self._boolean("time")
        reverse_state = self._boolean("reverse")
        active = any(bool(state.is_active) for state in (move, scale, time_state, reverse_state))
        return ControllerInput(
            move=(float(move.current_state.x), float(move.current_state.y))
            if move.is_active
            else (0.0, 0.0),
            scale=float(scale.current_state.y) if scale.is_active else 0.0,
            time_pressed=_pressed(time_state),
            reverse_pressed=_pressed(reverse_state),
            active=active,
        )

    def _vector(self, name: str) -> Any:
        xr = self._xr
        return xr.get_action_state_vector2f(
            self._session, xr.ActionStateGetInfo(action=self.actions[name])
        )

    def _boolean(self, name: str) -> Any:
        xr = self._xr
        return xr.get_action_state_boolean(
            self._session, xr.ActionStateGetInfo(action=self.actions[name])
        )

    def release(self) -> None:
        for action in self.actions.values():
            self._xr.destroy_action(action)
        self._xr.destroy_action_set(self.action_set)


def _pressed(state: Any) -> bool:
    """True on the frame a button goes down."""
    return bool(state.is_active and state.current_state and state.changed_since_last_sync)
