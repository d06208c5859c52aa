using Kefu.Dialogue;

namespace Kefu.Server.Tests;

public class BotMessageTests
{
    [Fact]
    public void Text_message_has_no_buttons() => Assert.Null(new BotMessage("你好").Buttons);
}
