"""The action of an instrument's register (`domain.policy_register`): starting a review early."""

from typing import Literal

from domain.command_model import ActionCommand, CommandFamily, NoFields


class StartReview(ActionCommand[NoFields]):
    action: Literal["start-review"] = "start-review"


PolicyRegisterCommand = StartReview

POLICY_REGISTER_COMMANDS: CommandFamily[PolicyRegisterCommand] = CommandFamily(StartReview)
