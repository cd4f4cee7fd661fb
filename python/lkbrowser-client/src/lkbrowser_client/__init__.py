"""Drive an lkbrowser runtime (a Chromium page in a LiveKit room) from a Python agent."""

from .client import AGENT_STATUSES, RPC, TOPIC, BrowserClient, Screenshot, connect
from .computer_use import (
    ANTHROPIC_TOOL_TYPE,
    ComputerStep,
    Scaler,
    ToolInputError,
    anthropic_computer_tool,
    fit_model_size,
    from_anthropic,
    from_openai,
    openai_computer_tool,
    openai_keys,
)
from .errors import ActionError, BrowserError

__all__ = [
    "AGENT_STATUSES",
    "ANTHROPIC_TOOL_TYPE",
    "RPC",
    "TOPIC",
    "ActionError",
    "BrowserClient",
    "BrowserError",
    "ComputerStep",
    "Scaler",
    "Screenshot",
    "ToolInputError",
    "anthropic_computer_tool",
    "connect",
    "fit_model_size",
    "from_anthropic",
    "from_openai",
    "openai_computer_tool",
    "openai_keys",
]
