"""The OpenXR session lifecycle as plain logic: which runtime state asks for which call.

Owns: the session state machine (idle, ready, synchronized, visible, focused, stopping,
loss pending, exiting) and the decision each state change implies (begin the session, end it,
leave the loop, report the loss). Pure Python with its own state enum, so it is tested without a
runtime; ``engine.xr.session`` feeds it the runtime's events and performs the calls. Must not
import pyopenxr or GL.

Frame order inside ``engine.xr.session`` (written down once, as Bevy does for its schedule):
poll events -> (session running) wait frame -> begin frame -> sync actions -> locate views and
head -> move/scale the explorer -> (should render) render each eye into its swapchain image ->
end frame with one projection layer (or none when the runtime says not to render).
"""

from __future__ import annotations

from enum import Enum


class SessionState(Enum):
    """Mirrors ``XrSessionState`` (same numbers)."""

    UNKNOWN = 0
    IDLE = 1
    READY = 2
    SYNCHRONIZED = 3
    VISIBLE = 4
    FOCUSED = 5
    STOPPING = 6
    LOSS_PENDING = 7
    EXITING = 8


class Action(Enum):
    """What the frame loop must do after a state change."""

    NOTHING = "nothing"
    BEGIN = "begin"  # xrBeginSession with the stereo view configuration
    END = "end"  # xrEndSession
    EXIT = "exit"  # leave the loop and destroy the session
    LOST = "lost"  # the runtime lost the session: stop and tell the user


class SessionLifecycle:
    """Tracks the runtime's session state and whether frames must be waited on and rendered."""

    def __init__(self) -> None:
        self.state = SessionState.UNKNOWN
        self.running = False  # between xrBeginSession and xrEndSession
        self.exit_requested = False  # we asked (xrRequestExitSession) to stop
        self.states_seen: list[SessionState] = []

    @property
    def visible(self) -> bool:
        """The runtime shows our frames (it may still say not to render a given frame)."""
        return self.state in (SessionState.VISIBLE, SessionState.FOCUSED)

    @property
    def focused(self) -> bool:
        """Our frames are shown and controller input reaches us."""
        return self.state is SessionState.FOCUSED

    def on_state_changed(self, new_state: SessionState) -> Action:
        """Record the runtime's new state and say what the loop must do about it."""
        self.state = new_state
        self.states_seen.append(new_state)
        if new_state is SessionState.READY:
            if self.running:  # runtimes must not send READY twice; ignore rather than re-begin
                return Action.NOTHING
            self.running = True
            return Action.BEGIN
        if new_state is SessionState.STOPPING:
            if not self.running:
                return Action.NOTHING
            self.running = False
            return Action.END
        if new_state is SessionState.EXITING:
            self.running = False
            return Action.EXIT
        if new_state is SessionState.LOSS_PENDING:
            self.running = False
            return Action.LOST
        return Action.NOTHING

    def on_instance_loss(self) -> Action:
        """The whole runtime is going away (``XrEventDataInstanceLossPending``)."""
        self.running = False
        return Action.LOST
