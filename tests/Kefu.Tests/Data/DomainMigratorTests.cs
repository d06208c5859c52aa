using Kefu.Data;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

public class DomainMigratorTests
{
    private const string Rasa2Domain = """
        version: "2.0"
        intents:
          - request_restaurant
          - inform
          - affirm
          - deny
          - chitchat
        entities:
          - cuisine
          - number
        slots:
          cuisine:
            type: text
          num_people:
            type: float
          outdoor_seating:
            type: bool
          note:
            type: unfeaturized
            auto_fill: false
        forms:
          restaurant_form:
            ignored_intents:
              - chitchat
            required_slots:
              cuisine:
                - type: from_entity
                  entity: cuisine
              num_people:
                - type: from_entity
                  entity: number
              outdoor_seating:
                - type: from_intent
                  intent: affirm
                  value: true
        responses:
          utter_ask_cuisine:
            - text: "What cuisine?"
        """;

    [Fact]
    public void Form_mappings_and_auto_fill_move_to_the_slots_as_rasa_migrate_moves_them()
    {
        using var temp = new TempProject("kefu-migrate-", ("domain.yml", Rasa2Domain), ("config.yml", "recipe: default.v1\n"));
        var (code, output, error) = DataCli.Run("migrate", "--domain", temp.PathOf("domain.yml"), "--out", temp.PathOf("v3/domain.yml"));
        Assert.True(code == 0, error);
        Assert.Contains("auto_fill from the entity 'cuisine'", output);
        Assert.Equal(Rasa2Domain.ReplaceLineEndings("\n"), File.ReadAllText(temp.PathOf("domain.yml")));

        var domain = RasaProject.Read(temp.PathOf("v3")).Domain;
        var cuisine = domain.FindSlot("cuisine")!.Mappings;
        Assert.Equal(2, cuisine.Count);
        var inForm = Assert.IsType<FromEntityMapping>(cuisine[0]);
        Assert.Equal(("restaurant_form", null), (inForm.Conditions.Single().ActiveLoop, inForm.Conditions.Single().RequestedSlot));
        Assert.Empty(Assert.IsType<FromEntityMapping>(cuisine[1]).Conditions);   // auto_fill: the entity of the same name, anywhere
        var seating = Assert.IsType<FromIntentMapping>(domain.FindSlot("outdoor_seating")!.Mappings.Single());
        Assert.Equal("outdoor_seating", seating.Conditions.Single().RequestedSlot);
        Assert.IsType<CustomMapping>(domain.FindSlot("note")!.Mappings.Single());
        Assert.Equal(SlotType.Any, domain.FindSlot("note")!.Type);
        Assert.False(domain.FindSlot("note")!.InfluenceConversation);
        var form = domain.FindForm("restaurant_form")!;
        Assert.Equal(["cuisine", "num_people", "outdoor_seating"], form.RequiredSlots);
        Assert.Equal(["chitchat"], form.IgnoredIntents);
        Assert.Equal("3.1", domain.Version);
    }

    [Fact]
    public void A_rasa_3_domain_is_refused()
    {
        using var temp = TempProject.Valid();
        var (code, _, error) = DataCli.Run("migrate", "--domain", temp.PathOf("domain.yml"), "--out", temp.PathOf("out.yml"));
        Assert.Equal(1, code);
        Assert.Contains("already in Rasa 3 format", error);
        Assert.False(File.Exists(temp.PathOf("out.yml")));
    }

    [Fact]
    public void A_form_requiring_an_undefined_slot_is_an_error_and_nothing_is_written()
    {
        using var temp = new TempProject("kefu-migrate-", ("domain.yml", "version: \"2.0\"\nslots: {}\nforms:\n  f:\n    required_slots:\n      ghost:\n        - type: from_text\n"));
        var (code, _, error) = DataCli.Run("migrate", "--domain", temp.PathOf("domain.yml"), "--out", temp.PathOf("out.yml"));
        Assert.Equal(1, code);
        Assert.Contains("domain.yml:6:7: error: form 'f' requires the slot 'ghost'", error);
        Assert.False(File.Exists(temp.PathOf("out.yml")));
    }
}
