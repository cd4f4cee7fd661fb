"""Anthropic and OpenAI computer-use actions → browser/actions (pure), with coordinate scaling between the
screenshot size the model sees and the viewport. Mirrors client/src/computer-use/ of the TypeScript client."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def _round(v: float) -> int:
    """Half up, like JavaScript's Math.round (Python's round() rounds half to even)."""
    return math.floor(v + 0.5)

ANTHROPIC_TOOL_TYPE = "computer_20250124"


class ToolInputError(ValueError):
    """The model's tool input is not a valid action (report it back to the model)."""


@dataclass
class ComputerStep:
    actions: list[dict[str, Any]] = field(default_factory=list)
    screenshot: bool = False
    cursor_position: bool = False


def fit_model_size(width: int, height: int, max_w: int = 1280, max_h: int = 800) -> tuple[int, int]:
    s = min(1.0, max_w / width, max_h / height)
    return max(1, round(width * s)), max(1, round(height * s))


@dataclass
class Scaler:
    viewport: tuple[int, int]
    model: tuple[int, int]

    @classmethod
    def fit(cls, width: int, height: int, max_w: int = 1280, max_h: int = 800) -> "Scaler":
        return cls((width, height), fit_model_size(width, height, max_w, max_h))

    @property
    def scale(self) -> float:
        return min(1.0, self.model[0] / self.viewport[0])

    def to_page(self, x: float, y: float) -> dict[str, int]:
        vw, vh = self.viewport
        mw, mh = self.model
        return {"x": min(vw - 1, max(0, _round(x * vw / mw))), "y": min(vh - 1, max(0, _round(y * vh / mh)))}

    def to_model(self, x: float, y: float) -> dict[str, int]:
        vw, vh = self.viewport
        mw, mh = self.model
        return {"x": min(mw - 1, max(0, _round(x * mw / vw))), "y": min(mh - 1, max(0, _round(y * mh / vh)))}


def anthropic_computer_tool(s: Scaler) -> dict[str, Any]:
    return {"type": ANTHROPIC_TOOL_TYPE, "name": "computer", "display_width_px": s.model[0], "display_height_px": s.model[1]}


def openai_computer_tool(s: Scaler, environment: str = "browser") -> dict[str, Any]:
    return {"type": "computer_use_preview", "display_width": s.model[0], "display_height": s.model[1], "environment": environment}


def _xy(v: Any, what: str, s: Scaler) -> dict[str, int]:
    if not isinstance(v, (list, tuple)) or len(v) != 2 or not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in v):
        raise ToolInputError(f"{what} must be [x, y]")
    return s.to_page(v[0], v[1])


def _text(v: Any, what: str) -> str:
    if not isinstance(v, str) or v == "":
        raise ToolInputError(f"{what} must be a non-empty string")
    return v


def from_anthropic(i: Any, s: Scaler) -> ComputerStep:
    if not isinstance(i, dict):
        raise ToolInputError("tool input must be an object")
    a = i.get("action")
    mods = i.get("text").strip() if isinstance(i.get("text"), str) and i.get("text").strip() else None
    if a == "screenshot":
        return ComputerStep(screenshot=True)
    if a == "cursor_position":
        return ComputerStep(cursor_position=True)
    if a == "mouse_move":
        return ComputerStep([{"type": "mouse_move", **_xy(i.get("coordinate"), "coordinate", s)}])
    if a in ("left_click", "right_click", "middle_click", "double_click", "triple_click"):
        if i.get("coordinate") is None:
            button = {"right_click": "right", "middle_click": "middle"}.get(a, "left")
            n = {"double_click": 2, "triple_click": 3}.get(a, 1)
            return ComputerStep([x for _ in range(n) for x in ({"type": "mouse_down", "button": button}, {"type": "mouse_up", "button": button})])
        act = {"type": a, **_xy(i.get("coordinate"), "coordinate", s)}
        if mods:
            act["modifiers"] = mods
        return ComputerStep([act])
    if a == "left_click_drag":
        return ComputerStep([{"type": "drag", "path": [_xy(i.get("start_coordinate"), "start_coordinate", s), _xy(i.get("coordinate"), "coordinate", s)]}])
    if a == "left_mouse_down":
        return ComputerStep([{"type": "mouse_down", "button": "left"}])
    if a == "left_mouse_up":
        return ComputerStep([{"type": "mouse_up", "button": "left"}])
    if a == "type":
        return ComputerStep([{"type": "type", "text": _text(i.get("text"), "text")}])
    if a == "key":
        return ComputerStep([{"type": "key", "keys": _text(i.get("text"), "text")}])
    if a == "hold_key":
        d = i.get("duration") if isinstance(i.get("duration"), (int, float)) and i.get("duration") >= 0 else 0.5
        return ComputerStep([{"type": "hold_key", "keys": _text(i.get("text"), "text"), "durationMs": min(10_000, round(d * 1000))}])
    if a == "scroll":
        d = i.get("scroll_direction", "down")
        if d not in ("up", "down", "left", "right"):
            raise ToolInputError("scroll_direction must be up/down/left/right")
        amt = i.get("scroll_amount")
        amount = min(50, round(amt)) if isinstance(amt, (int, float)) and amt >= 1 else 3
        at = s.to_page(s.model[0] / 2, s.model[1] / 2) if i.get("coordinate") is None else _xy(i.get("coordinate"), "coordinate", s)
        act = {"type": "scroll", **at, "direction": d, "amount": amount}
        if mods:
            act["modifiers"] = mods
        return ComputerStep([act])
    if a == "wait":
        d = i.get("duration") if isinstance(i.get("duration"), (int, float)) and i.get("duration") >= 0 else 1
        return ComputerStep([{"type": "wait", "ms": min(10_000, round(d * 1000))}])
    raise ToolInputError(f"unsupported computer action {a!r}")


_KEY_ALIASES = {"CMD": "meta", "SUPER": "meta", "WIN": "meta", "OPTION": "alt", "RETURN": "Return", "ESC": "Escape", "SPACE": "space"}


def openai_keys(keys: Any) -> str:
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise ToolInputError("keys must be a non-empty array of key names")
    return "+".join(_KEY_ALIASES.get(k.upper(), "space" if k == " " else k) for k in keys)


def _num(v: Any, what: str) -> float:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise ToolInputError(f"{what} must be a number")
    return v


def from_openai(a: Any, s: Scaler) -> ComputerStep:
    if not isinstance(a, dict):
        raise ToolInputError("action must be an object")
    t = a.get("type")

    def at() -> dict[str, int]:
        return s.to_page(_num(a.get("x"), "x"), _num(a.get("y"), "y"))

    if t == "screenshot":
        return ComputerStep(screenshot=True)
    if t == "click":
        b = a.get("button", "left")
        if b == "back":
            return ComputerStep([{"type": "back"}])
        if b == "forward":
            return ComputerStep([{"type": "forward"}])
        button = {"left": "left", "right": "right", "wheel": "middle"}.get(b)
        if button is None:
            raise ToolInputError(f"unsupported button {b!r}")
        return ComputerStep([{"type": "click", **at(), "button": button}])
    if t == "double_click":
        return ComputerStep([{"type": "double_click", **at()}])
    if t == "move":
        return ComputerStep([{"type": "mouse_move", **at()}])
    if t == "drag":
        path = a.get("path")
        if not isinstance(path, list) or len(path) < 2:
            raise ToolInputError("path must have at least 2 points")
        return ComputerStep([{"type": "drag", "path": [s.to_page(_num((p or {}).get("x"), "path.x"), _num((p or {}).get("y"), "path.y")) for p in path]}])
    if t == "scroll":
        p = at()
        sy = _num(a.get("scroll_y", 0), "scroll_y") * s.viewport[1] / s.model[1]
        sx = _num(a.get("scroll_x", 0), "scroll_x") * s.viewport[0] / s.model[0]

        def notches(v: float) -> int:
            return min(50, max(1, round(abs(v) / 100)))

        acts: list[dict[str, Any]] = []
        if sy:
            acts.append({"type": "scroll", **p, "direction": "down" if sy > 0 else "up", "amount": notches(sy)})
        if sx:
            acts.append({"type": "scroll", **p, "direction": "right" if sx > 0 else "left", "amount": notches(sx)})
        return ComputerStep(acts or [{"type": "mouse_move", **p}])
    if t == "type":
        return ComputerStep([{"type": "type", "text": _text(a.get("text"), "text")}])
    if t == "keypress":
        return ComputerStep([{"type": "key", "keys": openai_keys(a.get("keys"))}])
    if t == "wait":
        return ComputerStep([{"type": "wait", "ms": 1000}])
    raise ToolInputError(f"unsupported computer action {t!r}")
