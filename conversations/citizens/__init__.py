"""The citizens in isolation (issue 19): sign-in from the SMS link, the menu, the
instructions, the diary, the household members and the reminders' settings."""
