"""Online sign-up: apply, identify, validate, sign, activate at once, verify deeper afterwards."""
