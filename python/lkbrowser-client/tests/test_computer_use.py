"""Table tests of the computer-use mappings (the same cases as client/test/computer-use.test.ts)."""

import pytest

from lkbrowser_client import Scaler, ToolInputError, fit_model_size, from_anthropic, from_openai

S = Scaler((1920, 1080), (1280, 720))


def test_scaling():
    assert fit_model_size(1920, 1080) == (1280, 720)
    assert fit_model_size(1280, 1024) == (1000, 800)
    assert fit_model_size(800, 600) == (800, 600)
    assert S.to_page(100, 200) == {"x": 150, "y": 300}
    assert S.to_page(1279, 719) == {"x": 1919, "y": 1079}
    assert S.to_page(-5, 9999) == {"x": 0, "y": 1079}
    assert S.to_model(150, 300) == {"x": 100, "y": 200}
    assert S.scale == pytest.approx(2 / 3)


ANTHROPIC = [
    ({"action": "left_click", "coordinate": [100, 200]}, [{"type": "left_click", "x": 150, "y": 300}]),
    ({"action": "left_click", "coordinate": [100, 200], "text": "shift"}, [{"type": "left_click", "x": 150, "y": 300, "modifiers": "shift"}]),
    ({"action": "right_click", "coordinate": [0, 0]}, [{"type": "right_click", "x": 0, "y": 0}]),
    ({"action": "triple_click", "coordinate": [10, 10]}, [{"type": "triple_click", "x": 15, "y": 15}]),
    ({"action": "mouse_move", "coordinate": [20, 40]}, [{"type": "mouse_move", "x": 30, "y": 60}]),
    ({"action": "left_click_drag", "start_coordinate": [0, 0], "coordinate": [100, 100]}, [{"type": "drag", "path": [{"x": 0, "y": 0}, {"x": 150, "y": 150}]}]),
    ({"action": "left_mouse_down"}, [{"type": "mouse_down", "button": "left"}]),
    ({"action": "type", "text": "hi\n"}, [{"type": "type", "text": "hi\n"}]),
    ({"action": "key", "text": "ctrl+a"}, [{"type": "key", "keys": "ctrl+a"}]),
    ({"action": "hold_key", "text": "shift", "duration": 1.5}, [{"type": "hold_key", "keys": "shift", "durationMs": 1500}]),
    ({"action": "scroll", "coordinate": [100, 100], "scroll_direction": "up", "scroll_amount": 5}, [{"type": "scroll", "x": 150, "y": 150, "direction": "up", "amount": 5}]),
    ({"action": "scroll", "scroll_direction": "down"}, [{"type": "scroll", "x": 960, "y": 540, "direction": "down", "amount": 3}]),
    ({"action": "wait", "duration": 2}, [{"type": "wait", "ms": 2000}]),
]


@pytest.mark.parametrize("inp,expected", ANTHROPIC)
def test_anthropic(inp, expected):
    assert from_anthropic(inp, S).actions == expected


def test_anthropic_screenshot_and_cursor():
    assert from_anthropic({"action": "screenshot"}, S).screenshot
    assert from_anthropic({"action": "cursor_position"}, S).cursor_position


OPENAI = [
    ({"type": "click", "x": 100, "y": 200, "button": "left"}, [{"type": "click", "x": 150, "y": 300, "button": "left"}]),
    ({"type": "click", "x": 1, "y": 1, "button": "wheel"}, [{"type": "click", "x": 2, "y": 2, "button": "middle"}]),
    ({"type": "click", "x": 1, "y": 1, "button": "back"}, [{"type": "back"}]),
    ({"type": "double_click", "x": 10, "y": 10}, [{"type": "double_click", "x": 15, "y": 15}]),
    ({"type": "drag", "path": [{"x": 0, "y": 0}, {"x": 10, "y": 10}]}, [{"type": "drag", "path": [{"x": 0, "y": 0}, {"x": 15, "y": 15}]}]),
    ({"type": "scroll", "x": 100, "y": 100, "scroll_x": 0, "scroll_y": 400}, [{"type": "scroll", "x": 150, "y": 150, "direction": "down", "amount": 6}]),
    ({"type": "keypress", "keys": ["CTRL", "A"]}, [{"type": "key", "keys": "CTRL+A"}]),
    ({"type": "keypress", "keys": ["CMD", "SPACE"]}, [{"type": "key", "keys": "meta+space"}]),
    ({"type": "type", "text": "abc"}, [{"type": "type", "text": "abc"}]),
    ({"type": "wait"}, [{"type": "wait", "ms": 1000}]),
]


@pytest.mark.parametrize("inp,expected", OPENAI)
def test_openai(inp, expected):
    assert from_openai(inp, S).actions == expected


@pytest.mark.parametrize("bad", [None, {"action": "fly"}, {"action": "left_click", "coordinate": [1]}, {"action": "type"}, {"action": "scroll", "scroll_direction": "in"}])
def test_anthropic_bad(bad):
    with pytest.raises(ToolInputError):
        from_anthropic(bad, S)


@pytest.mark.parametrize("bad", [None, {"type": "fly"}, {"type": "click", "x": "a", "y": 1}, {"type": "keypress", "keys": []}, {"type": "drag", "path": [{"x": 1, "y": 1}]}])
def test_openai_bad(bad):
    with pytest.raises(ToolInputError):
        from_openai(bad, S)
