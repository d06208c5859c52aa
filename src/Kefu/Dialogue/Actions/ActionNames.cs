namespace Kefu.Dialogue.Actions;

/// <summary>Names of Rasa's built-in actions and intents, and Kefu's handoff action.</summary>
public static class ActionNames
{
    public const string Listen = "action_listen";
    public const string Restart = "action_restart";
    public const string SessionStart = "action_session_start";
    public const string DefaultFallback = "action_default_fallback";
    public const string DeactivateLoop = "action_deactivate_loop";
    public const string Back = "action_back";
    public const string TwoStageFallback = "action_two_stage_fallback";
    public const string AskAffirmation = "action_default_ask_affirmation";
    public const string AskRephrase = "action_default_ask_rephrase";
    public const string RevertFallbackEvents = "action_revert_fallback_events";
    public const string UnlikelyIntent = "action_unlikely_intent";
    public const string ExtractSlots = "action_extract_slots";
    public const string Handoff = "action_handoff";

    public const string NluFallbackIntent = "nlu_fallback";
    public const string RestartIntent = "restart";
    public const string BackIntent = "back";
    public const string SessionStartIntent = "session_start";
}
