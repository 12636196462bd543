"""The explorer's video: the session's video beside the plots, in step with them.

:class:`ExplorerVideo` is the part of :class:`~concordlab.widgets.explorer.Explorer` that
handles a session with a video (:func:`concordlab.videos` not empty): a
:class:`~concordlab.widgets.video.VideoPlayer`, a cursor at the video's session time on
every panel, the view following the cursor page by page while playing, seeks from the
plots, the overview and the segment table, and the offset control, whose value is applied
to the session and kept in the sidecar (:meth:`SegmentStore.save_video_offsets`). A
session without a video has no player and the explorer is as before.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as ipw

from concordlab.errors import ConcordlabError, ValidationError
from concordlab.segments import segments
from concordlab.video import set_video_offset as set_session_video_offset
from concordlab.video import videos
from concordlab.widgets.video import VideoPlayer, video_player

__all__ = ["CURSOR_COLOUR", "ExplorerVideo"]

CURSOR_COLOUR = "#d62728"
FINE_STEP = 0.1  # s: the offset buttons' coarse step; the fine one is one frame
NO_VIDEO = (
    "The session has no video; attach one with concordlab.attach_video(session, path) and "
    "open the explorer again."
)


class ExplorerVideo:
    """The video part of the explorer (a mixin of :class:`Explorer`); see :func:`explore`.

    Attributes
    ----------
    player : VideoPlayer or None
        The player of the video shown, None when the session has no video.
    video : str or None
        The name of the video shown (:func:`concordlab.videos`' index).
    """

    player: VideoPlayer | None
    video: str | None

    # ------------------------------------------------------------------ set-up

    def _init_video(self) -> None:
        """Make the player of the session's video (the room's, else the first), if any."""
        self._following = False
        self.video = None
        self.player = video_player(self._session)
        if self.player is None:
            return
        table = videos(self._session)
        self.video = next(
            (str(n) for n, row in table.iterrows() if row["path"] == self.player.path),
            str(table.index[0]),
        )
        self.player.observe(self._on_video_time, names=["video_time", "offset"])
        self.player.observe(self._on_problem, names=["problem"])

    def _video_controls(self) -> ipw.Widget | None:
        """The player, its picker (several videos) and the offset control, or None.

        Built with the other controls (after the status line)."""
        if self.player is None:
            return None
        self.offset_box = ipw.FloatText(
            value=self.player.offset,
            step=FINE_STEP,
            description="offset (s)",
            tooltip="the video's time at session time 0: session time = video time - offset",
            layout={"width": "200px"},
        )
        self.offset_box.observe(self._offset_typed, names="value")
        frame = 1.0 / self.player.frame_rate
        steps = [("-0.1 s", -FINE_STEP), ("-1 frame", -frame), ("+1 frame", frame)]
        self.offset_buttons = {}
        for text, delta in [*steps, ("+0.1 s", FINE_STEP)]:
            button = ipw.Button(description=text, layout={"width": "auto"})
            button.on_click(self._guarded(lambda d=delta: self.shift_video_offset(d)))
            self.offset_buttons[text] = button
        buttons = ipw.HBox(list(self.offset_buttons.values()))
        column = [ipw.HTML("<b>video</b>"), self.offset_box, buttons]
        names = [str(n) for n in videos(self._session).index]
        if len(names) > 1:
            self.video_picker = ipw.Dropdown(options=names, value=self.video, description="video")
            self.video_picker.observe(
                lambda change: self._guarded(lambda: self.show_video(change["new"]))(None),
                names="value",
            )
            column.insert(1, self.video_picker)
        if self.player.problem:
            self._status(self.player.problem, error=True)
        return ipw.HBox([self.player, ipw.VBox(column)])

    def _player(self) -> VideoPlayer:
        if self.player is None:
            raise ValidationError(NO_VIDEO)
        return self.player

    # ------------------------------------------------------------------ public

    @property
    def video_time(self) -> float:
        """The video's current time as session time (s): ``video_time - offset``.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video(), offset=1)
        >>> concordlab.explore(s, sidecar=False).seek(1.5).video_time
        1.5
        """
        return self._player().session_time

    def seek(self, time: float) -> Any:
        """Show the video at session time ``time`` (s); the cursor follows.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video(), offset=1)
        >>> explorer = concordlab.explore(s, sidecar=False).seek(0.5)
        >>> explorer.player.video_time  # video time = session time + offset
        1.5
        """
        player = self._player()
        player.seek(float(time) + player.offset)
        return self

    def play(self) -> Any:
        """Play the video from where it is; the view follows it page by page.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video())
        >>> concordlab.explore(s, sidecar=False).play().player.playing
        True
        """
        self._player().play()
        return self

    def pause(self) -> Any:
        """Pause the video.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video())
        >>> concordlab.explore(s, sidecar=False).play().pause().player.playing
        False
        """
        self._player().pause()
        return self

    def play_segment(self, index: int) -> Any:
        """Play the video from the start of segment ``index`` (a row of the segment table).

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video())
        >>> explorer = concordlab.explore(s, sidecar=False).add_segment(2, 3, "clap")
        >>> row = concordlab.segments(explorer.session)["label"].tolist().index("clap")
        >>> explorer.play_segment(row).video_time, explorer.player.playing
        (2.0, True)
        """
        table = segments(self._session)
        if not 0 <= index < len(table):
            raise ValidationError(f"No segment {index}; there are {len(table)}.")
        return self.seek(float(table["start"].iloc[index])).play()

    def set_video_offset(self, offset: float) -> Any:
        """Set the video's offset (s), apply it to the session and save it in the sidecar.

        ``session_time = video_time - offset``: the frame shown stays, the cursor moves.
        Opening the explorer again on the same session (same sidecar) restores it.

        Raises
        ------
        ConcordlabError
            If the sidecar cannot be written (the offset is kept in memory).

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video())
        >>> explorer = concordlab.explore(s, sidecar=False).set_video_offset(-2.5)
        >>> concordlab.videos(explorer.session)["offset"].tolist()
        [-2.5]
        """
        player = self._player()
        session = set_session_video_offset(self._session, offset, video=self.video)
        offset = float(videos(session).loc[self.video, "offset"])
        self._session = session
        player.offset = offset
        if getattr(self, "offset_box", None) is not None and self.offset_box.value != offset:
            self.offset_box.value = offset
        if self.store is not None:
            try:
                self.store.save_video_offsets(session)
            except ConcordlabError as error:
                self._status(f"{error} The offset is kept in memory only.", error=True)
                raise
        self._status(f"Video offset {offset:g} s (session time = video time - offset).")
        return self

    def shift_video_offset(self, delta: float) -> Any:
        """Change the video's offset by ``delta`` seconds (the ± buttons).

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video())
        >>> concordlab.explore(s, sidecar=False).shift_video_offset(0.1).player.offset
        0.1
        """
        return self.set_video_offset(round(self._player().offset + float(delta), 6))

    def show_video(self, video: str) -> Any:
        """Show another of the session's videos (by name), at the same session time.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video())
        >>> s = concordlab.attach_video(s, _demo_video(), person="patient", offset=1)
        >>> concordlab.explore(s, sidecar=False).show_video("patient").player.offset
        1.0
        """
        player = self._player()
        time = player.session_time
        chosen = video_player(self._session, video)
        with player.hold_trait_notifications():
            player.path, player.offset = chosen.path, chosen.offset
            player.frame_rate, player.duration = chosen.frame_rate, chosen.duration
            player.problem, player.data = chosen.problem, chosen.data
            player.served_path = chosen.served_path
        chosen.close()
        self.video = video
        if getattr(self, "offset_box", None) is not None:
            self.offset_box.value = player.offset
        return self.seek(time)

    # ------------------------------------------------------------------ in step

    def _cursor_shape(self) -> dict[str, Any]:
        """The cursor: one vertical line across every panel at the video's session time."""
        time = self.player.session_time if self.player is not None else 0.0
        return {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": time,
            "x1": time,
            "y0": 0,
            "y1": 1,
            "line": {"color": CURSOR_COLOUR, "width": 1.5},
            "layer": "above",
            "name": "video",
        }

    def _on_video_time(self, change: Any) -> None:
        """The video moved (playing, a seek, a new offset): move the cursor, follow it."""
        if self.player is None:
            return
        time = self.player.session_time
        start, end = self._visible()
        if self.player.playing and not start <= time <= end:
            self._following = True  # a page turn while playing: it must not seek
            try:
                self.set_view(time, time + (end - start))  # the cursor at the left edge
            finally:
                self._following = False
        shapes = self.figure.layout.shapes
        if not shapes or shapes[-1].name != "video":
            self._label_segments()  # draws the cursor too
            return
        with self.figure.batch_update():
            shapes[-1].x0 = shapes[-1].x1 = time

    def _view_moved(self, start: float) -> None:
        """The view was moved (zoom, pan, overview) while paused: the video goes to its start."""
        if self.player is None or self.player.playing or self._following:
            return
        self.seek(start)

    def _on_click(self, trace: Any, points: Any, state: Any) -> None:
        """A click on a plot: the video goes to the time clicked."""
        if self.player is not None and points.xs:
            self.seek(float(points.xs[0]))

    def _offset_typed(self, change: Any) -> None:
        if self.player is not None and change["new"] != self.player.offset:
            self._guarded(lambda: self.set_video_offset(change["new"]))(None)

    def _on_problem(self, change: Any) -> None:
        if change["new"]:
            self._status(change["new"], error=True)
