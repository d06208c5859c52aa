using System.Text.Json;
using Kefu.Text.Chat;

namespace Kefu.Tests.Text;

/// <summary>
/// Chat templates: the Qwen2.5-Instruct default template (its text as tokenizer_config.json holds it), a Llama-2-style
/// template, jinja2's trim_blocks / lstrip_blocks, and clear errors for what Kefu does not run. Expected strings follow
/// from the templates by jinja2's rules.
/// </summary>
public class ChatTemplateTests
{
    // Qwen/Qwen2.5-*-Instruct tokenizer_config.json "chat_template", JSON-decoded
    private const string Qwen25 = """
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
            {%- endif %}
            {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
            {%- for tool in tools %}
                {{- "\n" }}
                {{- tool | tojson }}
            {%- endfor %}
            {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        {%- for message in messages %}
            {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
            {%- elif message.role == "assistant" %}
                {{- '<|im_start|>' + message.role }}
                {%- if message.content %}
                    {{- '\n' + message.content }}
                {%- endif %}
                {%- for tool_call in message.tool_calls %}
                    {%- if tool_call.function is defined %}
                        {%- set tool_call = tool_call.function %}
                    {%- endif %}
                    {{- '\n<tool_call>\n{"name": "' }}
                    {{- tool_call.name }}
                    {{- '", "arguments": ' }}
                    {{- tool_call.arguments | tojson }}
                    {{- '}\n</tool_call>' }}
                {%- endfor %}
                {{- '<|im_end|>\n' }}
            {%- elif message.role == "tool" %}
                {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
                    {{- '<|im_start|>user' }}
                {%- endif %}
                {{- '\n<tool_response>\n' }}
                {{- message.content }}
                {{- '\n</tool_response>' }}
                {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                    {{- '<|im_end|>\n' }}
                {%- endif %}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}

        """;

    private const string DefaultSystem = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n";

    [Fact]
    public void Qwen25_without_a_system_message_takes_the_default_one()
    {
        string rendered = ChatTemplate.Parse(Qwen25).Render([new("user", "我的订单到哪了？")], addGenerationPrompt: true);
        Assert.Equal(DefaultSystem + "<|im_start|>user\n我的订单到哪了？<|im_end|>\n<|im_start|>assistant\n", rendered);
    }

    [Fact]
    public void Qwen25_with_a_system_message_and_a_reply_without_generation_prompt()
    {
        string rendered = ChatTemplate.Parse(Qwen25).Render(
            [new("system", "你是电商客服。"), new("user", "在吗"), new("assistant", "在的，请问有什么可以帮您？")], addGenerationPrompt: false);
        Assert.Equal("<|im_start|>system\n你是电商客服。<|im_end|>\n<|im_start|>user\n在吗<|im_end|>\n<|im_start|>assistant\n在的，请问有什么可以帮您？<|im_end|>\n", rendered);
    }

    [Fact]
    public void Qwen25_tools_branch_writes_tools_calls_and_responses()
    {
        var tool = JsonDocument.Parse("""{"type": "function", "function": {"name": "get_order", "description": "查订单", "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}""").RootElement;
        var call = JsonDocument.Parse("""[{"type": "function", "function": {"name": "get_order", "arguments": {"id": "A12", "detail": true, "n": 2.5}}}]""").RootElement;
        var messages = new List<ChatMessage>
        {
            new("user", "查一下A12"),
            new("assistant", null, new Dictionary<string, object?> { ["tool_calls"] = call }),
            new("tool", "{\"status\": \"shipped\"}"),
            new("tool", "second"),
        };
        string rendered = ChatTemplate.Parse(Qwen25).Render(messages, addGenerationPrompt: true, new Dictionary<string, object?> { ["tools"] = new List<object?> { tool } });
        string expected =
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + """{"type": "function", "function": {"name": "get_order", "description": "查订单", "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"""
            + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n查一下A12<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_order\", \"arguments\": {\"id\": \"A12\", \"detail\": true, \"n\": 2.5}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n{\"status\": \"shipped\"}\n</tool_response>\n<tool_response>\nsecond\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n";
        Assert.Equal(expected, rendered);
    }

    [Fact]
    public void Llama2_style_template_with_slices_modulo_methods_and_raise_exception()
    {
        const string template = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
        var tokens = new Dictionary<string, object?> { ["bos_token"] = "<s>", ["eos_token"] = "</s>" };
        var parsed = ChatTemplate.Parse(template);
        Assert.Equal("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nhi [/INST] yo </s><s>[INST] again [/INST]",
            parsed.Render([new("system", "S"), new("user", "hi"), new("assistant", " yo "), new("user", " again")], false, tokens));
        var e = Assert.Throws<ChatTemplateException>(() => parsed.Render([new("user", "a"), new("user", "b")], false, tokens));
        Assert.Contains("Conversation roles must alternate", e.Message);
    }

    [Fact]
    public void Trim_blocks_and_lstrip_blocks_as_transformers_sets_them()
    {
        const string template = "{% for m in messages %}\n  {{ m.role }}: {{ m.content }}\n  {% if loop.last %}\n(end)\n  {% endif %}\n{% endfor %}\n";
        string rendered = ChatTemplate.Parse(template).Render([new("user", "hi"), new("assistant", "yo")], false);
        Assert.Equal("  user: hi\n  assistant: yo\n(end)\n", rendered);
    }

    [Fact]
    public void Namespaces_filters_tests_and_loop_variables()
    {
        const string template = "{%- set ns = namespace(count=0, last='') -%}{%- for m in messages if m.role != 'system' -%}{%- set ns.count = ns.count + 1 -%}{%- set ns.last = m.content | upper -%}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{%- endfor -%}|{{ ns.count }} {{ ns.last }} {{ messages | map(attribute='role') | join('+') }} {{ (messages | selectattr('role', 'equalto', 'user') | list | length) }} {{ missing is defined }} {{ missing | default('d') }} {{ 7 // 2 }} {{ 'a' ~ 1 }} {{ messages[-1].content[1:] }}";
        string rendered = ChatTemplate.Parse(template).Render([new("system", "s"), new("user", "ab"), new("assistant", "cd")], false);
        Assert.Equal("1/2,2/2|2 CD system+user+assistant 1 False d 3 a1 d", rendered);
    }

    [Theory]
    [InlineData("{% macro greet(name) %}hi{% endmacro %}", "macro")]
    [InlineData("{% include 'other.jinja' %}", "include")]
    [InlineData("{{ messages | wordcount }}", "wordcount")]
    [InlineData("{{ messages is divisibleby(3) }}", "divisibleby")]
    [InlineData("{{ cycler('a') }}", "cycler")]
    [InlineData("{% for m in messages %}{{ m.role }}", "endfor")]
    [InlineData("{{ 'a' + 1 }}", "+")]
    public void Unsupported_or_broken_templates_name_the_construct(string template, string named)
    {
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(template).Render([new("user", "x")], false));
        Assert.Contains(named, e.Message);
        Assert.Contains("chat template line 1", e.Message);
    }
}
