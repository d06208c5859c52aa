namespace Kefu.Samples.Ecommerce;

/// <summary>Slots of the sample's domain.yml that its actions read or set.</summary>
public static class Slot
{
    public const string OrderId = "order_id";
    public const string ReturnReason = "return_reason";
    public const string ReturnConfirmed = "return_confirmed";
    public const string NewAddress = "new_address";
    public const string OrderStatus = "order_status";
    public const string Carrier = "carrier";
    public const string TrackingNumber = "tracking_number";
    public const string TrackingLatest = "tracking_latest";
    public const string OrderItems = "order_items";
    public const string OrderAmount = "order_amount";
    public const string OrderDate = "order_date";
    public const string OrderAddress = "order_address";
    public const string ReturnId = "return_id";
    public const string ReturnStatus = "return_status";
    public const string ReturnUpdated = "return_updated";
    public const string ExchangeReason = "exchange_reason";
    public const string ExchangeConfirmed = "exchange_confirmed";
    public const string ExchangeId = "exchange_id";

    /// <summary>return_reason's categorical values.</summary>
    public static IReadOnlyList<string> ReturnReasons { get; } = ["质量问题", "尺码不合适", "发错货", "与描述不符", "物流破损", "不想要了", "其他"];

    /// <summary>exchange_reason's categorical values.</summary>
    public static IReadOnlyList<string> ExchangeReasons { get; } = ["尺码不合适", "颜色不合适", "质量问题", "发错货", "物流破损", "其他"];
}

/// <summary>Responses of the sample's domain.yml that its actions utter.</summary>
public static class Response
{
    public const string AskOrderId = "utter_ask_order_id";
    public const string OrderInfo = "utter_order_info";
    public const string OrderIdInvalid = "utter_order_id_invalid";
    public const string OrderNotFound = "utter_order_not_found";
    public const string ReturnNotAllowedCancelled = "utter_return_not_allowed_cancelled";
    public const string ReturnSubmitted = "utter_return_submitted";
    public const string ReturnCancelled = "utter_return_cancelled";
    public const string AddressChanged = "utter_address_changed";
    public const string AddressChangeShipped = "utter_address_change_shipped";
    public const string AddressChangeDelivered = "utter_address_change_delivered";
    public const string AddressChangeCancelled = "utter_address_change_cancelled";
    public const string AddressInvalid = "utter_address_invalid";
    public const string Handoff = "utter_handoff";
    public const string ExchangeSubmitted = "utter_exchange_submitted";
    public const string ExchangeCancelled = "utter_exchange_cancelled";
    public const string ExchangeNotDelivered = "utter_exchange_not_delivered";
    public const string ExchangeNotAllowedCancelled = "utter_exchange_not_allowed_cancelled";
    public const string ExchangeStatus = "utter_exchange_status";
    public const string ReturnStatus = "utter_return_status";
    public const string NoReturn = "utter_no_return";
}
