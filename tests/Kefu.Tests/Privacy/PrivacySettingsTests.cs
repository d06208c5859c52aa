using Kefu.Privacy;
using Kefu.Projects;

namespace Kefu.Tests.Privacy;

public sealed class PrivacySettingsTests
{
    private static PrivacySettings Parse(string yaml) => PrivacySettings.Parse(yaml, "endpoints.yml");

    private static Diagnostic Error(string yaml) => Assert.Single(Assert.Throws<ProjectException>(() => Parse(yaml)).Diagnostics);

    [Fact]
    public void Without_a_section_phone_id_card_and_bank_card_are_redacted()
    {
        var settings = Parse("action_endpoint:\n  url: http://localhost:5055/webhook\n");
        Assert.Equal(PiiDetectors.Phone | PiiDetectors.IdCard | PiiDetectors.BankCard, settings.Redactor.Detectors);
        Assert.Empty(settings.KeepSlots);
        Assert.Null(settings.RetentionDays);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var settings = Parse("""
            privacy:
              redact: [phone, email, address]
              patterns:
                - name: order_number
                  regex: 'SO\d{6}'
                - {name: member, regex: 'VIP-\d+', mask: "[会员]"}
              keep_slots: [phone]
              retention_days: 30
            """);
        Assert.Equal(PiiDetectors.Phone | PiiDetectors.Email | PiiDetectors.Address, settings.Redactor.Detectors);
        Assert.Equal(["phone"], settings.KeepSlots);
        Assert.Equal(30, settings.RetentionDays);
        Assert.Equal("[order_number] [会员] [phone] 440304199003071248",
            settings.Redactor.Redact("SO123456 VIP-77 13812345678 440304199003071248"));
    }

    [Theory]
    [InlineData("privacy:\n  redact: []\n")]
    [InlineData("privacy:\n  redact: false\n")]
    public void An_empty_list_turns_redaction_off(string yaml) => Assert.True(Parse(yaml).Redactor.IsOff);

    [Fact]
    public void An_unknown_detector_is_an_error_at_its_line()
    {
        var error = Error("privacy:\n  redact: [phone,\n    passport]\n");
        Assert.Equal(new SourceLocation("endpoints.yml", 3, 5), error.Location);
        Assert.Contains("unknown detector 'passport'", error.Message);
        Assert.Contains("phone, id_card, bank_card, email, address", error.Message);
    }

    [Fact]
    public void A_bad_regex_is_an_error_at_its_line()
    {
        var error = Error("privacy:\n  patterns:\n    - name: broken\n      regex: 'SO(\\d+'\n");
        Assert.Equal(4, error.Location.Line);
        Assert.Contains("'broken' is not a valid regex", error.Message);
    }

    [Theory]
    [InlineData("privacy:\n  retention: 30\n", 2, "unknown key 'retention'")]
    [InlineData("privacy:\n  retention_days: 0\n", 2, "from 1 to 36500")]
    [InlineData("privacy:\n  retention_days: soon\n", 2, "from 1 to 36500")]
    [InlineData("privacy: yes\n", 1, "must be a mapping")]
    [InlineData("privacy:\n  patterns:\n    - name: x\n", 3, "needs a regex")]
    [InlineData("privacy:\n  patterns:\n    - regex: 'a'\n", 3, "needs a name")]
    [InlineData("privacy:\n  keep_slots: phone\n", 2, "must be a list")]
    public void Bad_values_are_errors_at_file_line(string yaml, int line, string message)
    {
        var error = Error(yaml);
        Assert.Equal(line, error.Location.Line);
        Assert.Contains(message, error.Message);
    }
}

public sealed class PrivacyProjectTests
{
    [Fact]
    public void Reading_the_project_reports_a_bad_privacy_section_at_its_line()
    {
        using var project = Kefu.Tests.Projects.TempProject.Valid(("endpoints.yml", "privacy:\n  redact: [phone, passport]\n"));

        var error = Assert.Single(Assert.Throws<ProjectException>(() => RasaProject.Load(project.Dir)).Diagnostics,
            d => d.Severity == Severity.Error);

        Assert.Equal("endpoints.yml", Path.GetFileName(error.Location.File));
        Assert.Equal(2, error.Location.Line);
        Assert.Contains("unknown detector 'passport'", error.Message);
    }

    [Fact]
    public void A_kept_slot_the_domain_does_not_have_is_a_warning_at_its_line()
    {
        using var project = Kefu.Tests.Projects.TempProject.Valid(("endpoints.yml", "privacy:\n  keep_slots:\n    - nope\n"));

        var warning = Assert.Single(RasaProject.Load(project.Dir).Diagnostics, d => d.Location.File.EndsWith("endpoints.yml", StringComparison.Ordinal));

        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Equal(3, warning.Location.Line);
        Assert.Contains("keep_slots names nope, which the domain has no slot of", warning.Message);
    }

    [Fact]
    public void A_valid_privacy_section_is_no_warning()
    {
        using var project = Kefu.Tests.Projects.TempProject.Valid(("endpoints.yml", "privacy:\n  redact: [phone, email]\n  retention_days: 30\n"));

        Assert.DoesNotContain(RasaProject.Load(project.Dir).Diagnostics, d => d.Location.File.EndsWith("endpoints.yml", StringComparison.Ordinal));
    }
}
