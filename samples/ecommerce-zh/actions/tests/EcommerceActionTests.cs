using Kefu.Dialogue.Actions;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce.Tests;

/// <summary>The behaviour samples/ecommerce-zh/README.md gives each custom action.</summary>
public sealed class EcommerceActionTests : IDisposable
{
    private readonly Shop shop = new();

    public void Dispose() => shop.Dispose();

    [Fact]
    public void Check_order_fills_the_order_slots_before_uttering_the_info()
    {
        var events = shop.Run("action_check_order", then: [(Slot.OrderId, Shop.Shipped)]);
        Assert.Equal(
        [
            $"bot 已发货 {Shop.Shipped} AirPods ×1、壳 ×2 顺丰速运 SF1 2024-11-10 08:12 派送中",
            "slot order_status=已发货", "slot carrier=顺丰速运", "slot tracking_number=SF1",
            "slot tracking_latest=2024-11-10 08:12 派送中", "slot order_items=AirPods ×1、壳 ×2",
            "slot order_amount=¥1,819.00", "slot order_date=2024-11-08 10:21", "slot order_address=上海",
        ], Shop.Lines(events));
    }

    [Fact]
    public void Check_order_of_an_unshipped_order_clears_the_logistics_slots()
    {
        var lines = Shop.Lines(shop.Run("action_check_order", then: [(Slot.OrderId, " dd20241110456 ")]));
        Assert.Equal($"bot 待发货 {Shop.Pending} 羽绒服 ×1", lines[0]);
        Assert.Equal($"slot order_id={Shop.Pending}", lines[1]);
        Assert.Contains("slot carrier=null", lines);
        Assert.Contains("slot tracking_latest=null", lines);
    }

    [Theory]
    [InlineData("DD20249999999", "bot 没有查到DD20249999999")]
    [InlineData("12345", "bot 格式不对")]
    public void Check_order_rejects_unknown_and_malformed_numbers(string orderId, string said)
    {
        Assert.Equal([said, "slot order_id=null"], Shop.Lines(shop.Run("action_check_order", then: [(Slot.OrderId, orderId)])));
    }

    [Fact]
    public void Check_order_of_a_cancelled_order_shows_the_amount()
    {
        Assert.Equal("bot 其他 已取消 ¥760.00", Shop.Lines(shop.Run("action_check_order", then: [(Slot.OrderId, Shop.Cancelled)]))[0]);
    }

    [Fact]
    public void Check_order_without_a_number_asks_for_it()
    {
        Assert.Equal(["bot 请提供订单号"], Shop.Lines(shop.Run("action_check_order")));
    }

    [Fact]
    public void Validation_looks_only_at_the_slot_candidates_at_the_end()
    {
        var tracker = Kefu.Dialogue.Tracking.Tracker.Create("c1", [], [
            new Kefu.Dialogue.Tracking.SlotSet(Slot.NewAddress, null), new Kefu.Dialogue.Tracking.UserUttered("x", null), new Kefu.Dialogue.Tracking.SlotSet(Slot.OrderId, null),
            new Kefu.Dialogue.Tracking.SlotSet(Slot.ReturnReason, null), new Kefu.Dialogue.Tracking.SlotSet(Slot.OrderId, null)]);
        // one candidate per slot, in rasa_sdk's dict order (the slot's first place in the trailing SlotSets)
        Assert.Equal([Slot.OrderId, Slot.ReturnReason], SdkViews.Tracker(tracker).SlotsToValidate().Select(s => s.Name));
        Assert.Empty(SdkViews.Tracker(tracker.Append(new Kefu.Dialogue.Tracking.ActionExecuted("order_form"))).SlotsToValidate());
    }

    [Fact]
    public void Order_form_keeps_a_known_number_normalised_and_rejects_others()
    {
        Assert.Equal([$"slot order_id={Shop.Delivered}"],
            Shop.Lines(shop.Run("validate_order_form", then: [(Slot.OrderId, "ＤＤ20241111001")])));
        Assert.Equal(["bot 没有查到DD20240000000", "slot order_id=null"],
            Shop.Lines(shop.Run("validate_order_form", then: [(Slot.OrderId, "DD20240000000")])));
        Assert.Equal(["bot 格式不对", "slot order_id=null"],
            Shop.Lines(shop.Run("validate_order_form", then: [(Slot.OrderId, "DD1")])));
    }

    [Fact]
    public void Return_form_refuses_cancelled_orders_and_unknown_reasons()
    {
        Assert.Equal([$"bot {Shop.Cancelled}已取消", "slot order_id=null"],
            Shop.Lines(shop.Run("validate_return_form", then: [(Slot.OrderId, Shop.Cancelled)])));
        Assert.Equal([$"slot order_id={Shop.Delivered}", "slot return_reason=尺码不合适", "slot return_confirmed=true"],
            Shop.Lines(shop.Run("validate_return_form", then: [(Slot.OrderId, Shop.Delivered), (Slot.ReturnReason, "尺码不合适"), (Slot.ReturnConfirmed, true)])));
        Assert.Equal(["slot return_reason=null"],
            Shop.Lines(shop.Run("validate_return_form", then: [(Slot.ReturnReason, "太贵了")])));
    }

    [Theory]
    [InlineData(Shop.Shipped, "bot DD20241108123已发货 顺丰速运 SF1|slot order_id=null|slot carrier=顺丰速运|slot tracking_number=SF1")]
    [InlineData(Shop.Delivered, "bot DD20241111001已签收|slot order_id=null")]
    [InlineData(Shop.Cancelled, "bot DD20241111888已取消|slot order_id=null")]
    [InlineData(Shop.Pending, "slot order_id=DD20241110456")]
    public void Address_form_takes_only_orders_not_shipped_yet(string orderId, string expected)
    {
        Assert.Equal(expected.Split('|'), Shop.Lines(shop.Run("validate_address_form", then: [(Slot.OrderId, orderId)])));
    }

    [Fact]
    public void Address_form_wants_at_least_six_characters()
    {
        Assert.Equal(["bot 地址不完整", "slot new_address=null"],
            Shop.Lines(shop.Run("validate_address_form", then: [(Slot.NewAddress, " 北京 ")])));
        Assert.Equal(["slot new_address=北京市海淀区中关村大街1号"],
            Shop.Lines(shop.Run("validate_address_form", then: [(Slot.NewAddress, " 北京市海淀区中关村大街1号 ")])));
    }

    [Fact]
    public void Submit_return_files_a_confirmed_return_then_clears_reason_and_confirmation()
    {
        Assert.Equal(
            ["bot 已提交 RT20241111001 DD20241111001 尺码不合适", "slot return_id=RT20241111001", "slot return_reason=null", "slot return_confirmed=null"],
            Shop.Lines(shop.Run("action_submit_return", then: [(Slot.OrderId, Shop.Delivered), (Slot.ReturnReason, "尺码不合适"), (Slot.ReturnConfirmed, true)])));
        Assert.Equal(["bot 已取消退货", "slot return_reason=null", "slot return_confirmed=null"],
            Shop.Lines(shop.Run("action_submit_return", then: [(Slot.OrderId, Shop.Delivered), (Slot.ReturnConfirmed, false)])));
    }

    [Theory]
    [InlineData(Shop.Pending, "bot DD20241110456改为北京市海淀区1号|slot order_address=北京市海淀区1号|slot new_address=null")]
    [InlineData(Shop.Shipped, "bot DD20241108123已发货 顺丰速运 SF1|slot carrier=顺丰速运|slot tracking_number=SF1|slot new_address=null")]
    [InlineData(Shop.Delivered, "bot DD20241111001已签收|slot new_address=null")]
    [InlineData("DD20240000000", "bot 没有查到DD20240000000|slot new_address=null")]
    public void Change_address_by_order_status(string orderId, string expected)
    {
        Assert.Equal(expected.Split('|'),
            Shop.Lines(shop.Run("action_change_address", then: [(Slot.OrderId, orderId), (Slot.NewAddress, "北京市海淀区1号")])));
    }

    [Fact]
    public void A_malformed_order_file_names_the_file_and_position()
    {
        File.WriteAllText(Path.Combine(shop.Directory, "data", "orders.json"), "{\"orders\": [\n  {\"id\": 5}\n]}");
        var ex = Assert.Throws<InvalidOperationException>(() => shop.Run("action_check_order", then: [(Slot.OrderId, Shop.Shipped)]));
        Assert.StartsWith(Path.Combine(shop.Directory, "data", "orders.json") + ":2:11: ", ex.Message);
    }

    [Fact]
    public void Every_action_the_domain_declares_is_registered()
    {
        var discovered = ActionDiscovery.FromAssembly(typeof(EcommerceActions).Assembly, new ActionSetup(shop.Directory));
        Assert.Equal(shop.Actions.Select(a => a.Name).Order(), discovered.Select(a => a.Name).Order());
        Assert.Equal(
            ["action_change_address", "action_check_order", "action_check_return", "action_submit_exchange", "action_submit_return",
             "validate_address_form", "validate_exchange_form", "validate_order_form", "validate_return_form",
             "validate_return_progress_form"],
            shop.Actions.Select(a => a.Name).Order());
    }

    [Fact]
    public void The_sample_order_file_reads_and_every_number_is_valid()
    {
        var book = new OrderBook(new EcommerceOptions(SampleDomainTests.SampleDirectory()));
        Assert.NotEmpty(book.All);
        string[] statuses = [OrderStatus.Shipped, OrderStatus.Pending, OrderStatus.Delivered, OrderStatus.Cancelled];
        Assert.All(book.All, o =>
        {
            Assert.True(OrderId.IsValid(o.Id), o.Id);
            Assert.Contains(o.Status, statuses);
            Assert.Equal(o.Status is OrderStatus.Pending or OrderStatus.Cancelled, o.Carrier is null);
            // a return exists only for a delivered order, numbered after it
            if (o.Return is { } r)
            {
                Assert.Equal(OrderStatus.Delivered, o.Status);
                Assert.Equal("RT" + o.Id[2..], r.Id);
                Assert.Contains(r.Status, (string[])[ReturnStatus.AwaitingPickup, ReturnStatus.AwaitingInspection, ReturnStatus.Refunding, ReturnStatus.Refunded]);
            }
        });
        Assert.Contains(book.All, o => o.Return is not null);
    }

    [Theory]
    [InlineData(Shop.Cancelled, "bot DD20241111888已取消不能换|slot order_id=null")]
    [InlineData(Shop.Pending, "bot DD20241110456未签收不能换|slot order_id=null")]
    [InlineData(Shop.Shipped, "bot DD20241108123未签收不能换|slot order_id=null")]
    [InlineData("dd20241111001", "slot order_id=DD20241111001")]
    public void Exchange_form_takes_only_delivered_orders(string orderId, string expected)
    {
        Assert.Equal(expected.Split('|'), Shop.Lines(shop.Run("validate_exchange_form", then: [(Slot.OrderId, orderId)])));
    }

    [Fact]
    public void Exchange_form_takes_a_colour_but_not_a_return_only_reason()
    {
        Assert.Equal(["slot exchange_reason=颜色不合适"],
            Shop.Lines(shop.Run("validate_exchange_form", then: [(Slot.ExchangeReason, "颜色不合适")])));
        Assert.Equal(["slot exchange_reason=null"],
            Shop.Lines(shop.Run("validate_exchange_form", then: [(Slot.ExchangeReason, "不想要了")])));
    }

    [Fact]
    public void Submit_exchange_files_a_confirmed_exchange_then_clears_reason_and_confirmation()
    {
        Assert.Equal(
            ["bot 换货已提交 EX20241111001 DD20241111001 尺码不合适", "slot exchange_id=EX20241111001", "slot exchange_reason=null", "slot exchange_confirmed=null"],
            Shop.Lines(shop.Run("action_submit_exchange", then: [(Slot.OrderId, Shop.Delivered), (Slot.ExchangeReason, "尺码不合适"), (Slot.ExchangeConfirmed, true)])));
        Assert.Equal(["bot 已取消换货", "slot exchange_reason=null", "slot exchange_confirmed=null"],
            Shop.Lines(shop.Run("action_submit_exchange", then: [(Slot.OrderId, Shop.Delivered), (Slot.ExchangeConfirmed, false)])));
    }

    [Fact]
    public void Check_return_shows_the_return_of_the_order_file()
    {
        Assert.Equal(
            ["bot 退货进度 DD20241111001 RT20241111001 退款中 12-02 验收通过 ¥299.00",
             "slot order_amount=¥299.00", "slot return_id=RT20241111001", "slot return_status=退款中", "slot return_updated=12-02 验收通过"],
            Shop.Lines(shop.Run("action_check_return", then: [(Slot.OrderId, Shop.Delivered)])));
    }

    [Fact]
    public void Check_return_prefers_the_return_filed_in_this_conversation()
    {
        var lines = Shop.Lines(shop.Run("action_check_return", then: [(Slot.ReturnId, "RT20241108123"), (Slot.OrderId, Shop.Shipped)]));
        Assert.Equal(["bot 退货进度 DD20241108123 RT20241108123 待取件 None ¥1,819.00",
            "slot order_amount=¥1,819.00", "slot return_status=待取件", "slot return_updated=null"], lines);
    }

    [Theory]
    [InlineData(Shop.Pending, "EX20241110456", "bot 换货进度 EX20241110456")]
    [InlineData(Shop.Pending, null, "bot DD20241110456没有退货")]
    [InlineData("DD20240000000", null, "bot 没有查到DD20240000000")]
    public void Check_return_without_a_return_says_so(string orderId, string? exchangeId, string said)
    {
        Assert.Equal(said, Shop.Lines(shop.Run("action_check_return", then: [(Slot.ExchangeId, exchangeId), (Slot.OrderId, orderId)])).Last(l => l.StartsWith("bot ")));
    }
}
