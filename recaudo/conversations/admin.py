from django.contrib import admin

from recaudo.conversations.models import AgentProfile, CallAssignment, Message, Thread


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("occurred_at", "direction", "kind", "author", "channel", "intent", "text")
    readonly_fields = fields
    can_delete = False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("debtor", "state", "handoff_reason", "assigned_to", "last_inbound_at")
    list_filter = ("state", "handoff_reason")
    search_fields = ("debtor__full_name", "debtor__external_id")
    raw_id_fields = ("debtor", "assigned_to", "last_contact_point")
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("thread", "direction", "author", "channel", "intent", "occurred_at")
    list_filter = ("direction", "author", "channel", "intent")
    raw_id_fields = ("thread", "contact_point", "outreach", "agent")


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "creditor")
    raw_id_fields = ("user",)


@admin.register(CallAssignment)
class CallAssignmentAdmin(admin.ModelAdmin):
    list_display = ("outreach", "agent", "taken_at")
    raw_id_fields = ("outreach", "agent")
